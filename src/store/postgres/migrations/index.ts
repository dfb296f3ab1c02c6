import { initial } from './0001_initial.js';
import { leases } from './0002_leases.js';
import { leaseFences } from './0003_lease_fences.js';
import { tokens } from './0004_tokens.js';
import type { Migration } from './migration.js';

/** Every migration in version order. Append new ones; never edit or reorder applied ones. */
export const migrations: readonly Migration[] = [initial, leases, leaseFences, tokens];
