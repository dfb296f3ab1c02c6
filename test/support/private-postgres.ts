import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './serve-process.js';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 server programs. */
export const postgresBinDir = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of one test: its own data directory, socket directory and port, trust
 * authentication, listening on 127.0.0.1 only. Tests that stop or restart the server use it,
 * because restarting the shared test database would break the tests running beside them.
 */
export interface PrivatePostgres {
  port: number;
  /** Connection string of the `postgres` database as the `postgres` role. */
  url: string;
  /** Stops the server with `pg_ctl stop -m fast` and waits for it. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Runs `pg_ctl restart -m fast` and waits until the server accepts connections again. */
  restart(): Promise<void>;
  /** Stops the server if it runs and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * Creates a cluster with initdb in a new temporary directory and starts it on a free port. As
 * root, the programs run as the `postgres` OS user through runuser, because the server refuses
 * to run as root. As any other user, they run as that user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = await mkdtemp(join(tmpdir(), 'cronmesh-private-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  const logFile = join(root, 'server.log');
  const asRoot = process.getuid?.() === 0;
  const postgresUser = asRoot ? await userIds('postgres') : undefined;
  await mkdir(socketDir);
  if (postgresUser !== undefined) {
    await chmod(root, 0o700);
    for (const path of [root, socketDir]) await chown(path, postgresUser.uid, postgresUser.gid);
  }
  const postgresProgram = async (program: string, args: string[]): Promise<void> => {
    const path = join(postgresBinDir, program);
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', path, ...args]]
      : [path, args];
    await run(file, argv, { timeout: 60_000 });
  };

  const port = await freePort();
  // fsync off: the cluster lives for one test, and a crash of the machine loses nothing of value.
  const serverOptions =
    `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${socketDir} ` +
    '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const pgCtl = (action: string[]): Promise<void> =>
    postgresProgram('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', ...action]);
  const startServer = (): Promise<void> => pgCtl(['-o', serverOptions, 'start']);
  let running = false;

  try {
    await postgresProgram('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    await startServer();
    running = true;
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  const server: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await pgCtl(['-m', 'fast', 'stop']);
      running = false;
    },
    async start() {
      await startServer();
      running = true;
    },
    async restart() {
      await pgCtl(['-m', 'fast', '-o', serverOptions, 'restart']);
      running = true;
    },
    async destroy() {
      if (running) await server.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  return server;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', name]).then((result) => Number(result.stdout.trim())),
    run('id', ['-g', name]).then((result) => Number(result.stdout.trim())),
  ]);
  return { uid, gid };
}
