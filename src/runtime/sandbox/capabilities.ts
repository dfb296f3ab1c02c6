import {
  defaultContainerCapabilities,
  linuxCapabilities,
  normalizeCapability,
} from '../../api/capabilities.js';
import type { Capabilities } from '../../api/security-context.js';

/**
 * Returns the capability set of a container, in the order of capability numbers. It follows
 * containerd: start from the default set, replace it with every capability when `add` has
 * ALL and with none when `drop` has ALL, then add the named ones, then drop the named ones.
 * Names are valid here because validation rejects any other.
 */
export function containerCapabilities(capabilities: Capabilities | undefined): string[] {
  const add = (capabilities?.add ?? []).map(normalizeCapability);
  const drop = (capabilities?.drop ?? []).map(normalizeCapability);
  let set = new Set<string>(defaultContainerCapabilities);
  if (add.includes('ALL')) set = new Set(linuxCapabilities);
  if (drop.includes('ALL')) set = new Set();
  for (const name of add) if (name !== undefined && name !== 'ALL') set.add(name);
  for (const name of drop) if (name !== undefined && name !== 'ALL') set.delete(name);
  return linuxCapabilities.filter((name) => set.has(name));
}

/**
 * Returns the `--bounding-set` value of setpriv(1) that keeps exactly `capabilities`, such as
 * `-all,+chown,+kill`.
 */
export function boundingSetArgument(capabilities: readonly string[]): string {
  const kept = capabilities.map((name) => `+${name.slice('CAP_'.length).toLowerCase()}`);
  return ['-all', ...kept].join(',');
}
