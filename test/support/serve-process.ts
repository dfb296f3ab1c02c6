import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/**
 * The CRONMESH_ENCRYPTION_KEY of the serve and worker processes a test starts on PostgreSQL,
 * which must all share one key. It is new in every test process.
 */
export const testEncryptionKey = randomBytes(32).toString('base64');

/** The built CLI entry point. */
export const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A `cronmesh serve` child process and the output it wrote so far. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts `cronmesh serve` and waits until `/healthz` returns 200. With `--store` among `args` it sets
 * CRONMESH_ENCRYPTION_KEY to testEncryptionKey, which PostgreSQL requires. On SQLite the server
 * creates its own key file in `dataDir`.
 */
export async function startServe(
  dataDir: string,
  port: number,
  args: string[] = [],
): Promise<ServeProcess> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [cliMain, 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...args],
    { env: serveEnvironment(args), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  await waitFor(`cronmesh serve on ${url}; output so far: ${output}`, async () => {
    if (child.exitCode !== null) throw new Error(`serve exited early: ${output}`);
    // A request that hangs (accepted while the server was still starting) must not stall
    // the wait, so each try has its own timeout.
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).catch(
      () => undefined,
    );
    return response?.ok === true;
  });
  return { child, url, output: () => output, exited };
}

function serveEnvironment(args: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
  delete env['CRONMESH_ENCRYPTION_KEY'];
  if (args.includes('--store')) env['CRONMESH_ENCRYPTION_KEY'] = testEncryptionKey;
  return env;
}

/** Runs the CLI against `url` and returns its output. */
export async function cli(
  url: string,
  args: string[],
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [cliMain, ...args, '--server', url], {
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode)),
  );
  return { stdout, stderr, code };
}

/** Fetches JSON from the API and throws on an error status. */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
