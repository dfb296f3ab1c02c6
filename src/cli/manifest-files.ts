import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors.js';

/** The text of one manifest file, with the name errors use for it. */
export interface ManifestSource {
  file: string;
  text: string;
}

const manifestExtensions = ['.yaml', '.yml', '.json'];

/**
 * Reads the manifests named by `-f` arguments: a file, a directory (its `*.yaml`, `*.yml` and
 * `*.json` files, sorted by name, without recursion) or `-` for standard input.
 */
export async function readManifestSources(
  paths: readonly string[],
  readStdin: () => Promise<string>,
): Promise<ManifestSource[]> {
  if (paths.length === 0)
    throw new CliError('must specify -f FILE, a directory or - for standard input');

  const sources: ManifestSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ file: 'STDIN', text: await readStdin() });
      continue;
    }
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new CliError(`the path ${JSON.stringify(path)} does not exist`);
      throw error;
    });
    if (!info.isDirectory()) {
      sources.push({ file: path, text: await readFile(path, 'utf8') });
      continue;
    }
    const names = (await readdir(path))
      .filter((name) => manifestExtensions.some((extension) => name.endsWith(extension)))
      .sort();
    for (const name of names) {
      const file = join(path, name);
      sources.push({ file, text: await readFile(file, 'utf8') });
    }
  }
  return sources;
}

/** Reads all of standard input as UTF-8 text. */
export async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
