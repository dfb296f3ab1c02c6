import { initial } from './0001_initial.js';
import { leases } from './0002_leases.js';
import { tokens } from './0003_tokens.js';
import type { Migration } from './migration.js';

/** Every migration in version order. Append new ones; never edit or reorder applied ones. */
export const migrations: readonly Migration[] = [initial, leases, tokens];
