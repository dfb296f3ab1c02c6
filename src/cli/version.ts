import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Reads the version of cronmesh from its package.json. This file runs as dist/src/cli/version.js,
 * so package.json is three folders up, in the package root that npm installs with it.
 */
export function readPackageVersion(): string {
  const file = fileURLToPath(new URL('../../../package.json', import.meta.url));
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') {
    throw new Error(`${file} has no "version" string`);
  }
  return manifest.version;
}
