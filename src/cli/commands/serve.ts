import type { AddressInfo } from 'node:net';
import type { DstPolicy } from '../../schedule/index.js';
import { isDstPolicy } from '../../schedule/index.js';
import { createServer } from '../../server/server.js';
import type { OpenStoreOptions } from '../../store/open.js';
import { InvalidStoreUrlError, isPostgresUrl, redactPassword } from '../../store/open.js';
import { parsePostgresUrl } from '../../store/postgres/url.js';
import type { LeaderElectionSettings, SchedulerHandle } from '../../worker/host.js';
import { startScheduler } from '../../worker/host.js';
import { CronmeshMetrics } from '../../server/metrics/registry.js';
import { ApiClient } from '../client.js';
import type { CommandContext, Output } from '../context.js';
import { clockFromEnvironment } from '../clock.js';
import { parseDurationFlag } from '../duration.js';
import { CliError } from '../errors.js';
import { openCommandStore } from '../open-store.js';
import { readPackageVersion } from '../version.js';
import { describeListenError, warnIfNotLoopback } from '../listen-address.js';
import { createLogger } from '../logger.js';
import { waitForStopSignal } from '../signals.js';
import { readManifestSources, readStdinText } from '../manifest-files.js';
import { applyResources, parseSources } from './apply.js';
import type { ParsedSources } from './apply.js';

export interface ServeOptions {
  dataDir: string;
  /** PostgreSQL URL from --store or CRONMESH_STORE; SQLite in `dataDir` when absent. */
  store?: string;
  /** Whether `store` came from CRONMESH_STORE, for error messages. */
  storeFromEnvironment?: boolean;
  /** Address as `HOST:PORT`, where port 0 picks a free port. */
  listen: string;
  workerConcurrency: string;
  dstPolicy: string;
  /** Manifests applied (created or updated) once the server listens. */
  filename: string[];
  logLevel: string;
  logFormat: string;
  /** `true`, `false`, or undefined for the default: on with PostgreSQL, off with SQLite. */
  leaderElect?: string;
  leaderElectLeaseDuration?: string;
  leaderElectRenewDeadline?: string;
  leaderElectRetryPeriod?: string;
}

interface ServeSettings {
  dataDir: string;
  /** The store to open: PostgreSQL when --store or CRONMESH_STORE is set, else SQLite in dataDir. */
  store: OpenStoreOptions;
  /** Log fields that name the store, never with a password. */
  storeLogFields: { dataDir: string } | { store: string; schema: string };
  host: string;
  port: number;
  workerConcurrency: number;
  dstPolicy: DstPolicy;
  /** Leader election timing, or undefined to run the controllers without a lease. */
  leaderElection: LeaderElectionSettings | undefined;
}

/** Checks the flags of `serve` and returns them typed. Throws CliError naming a bad value. */
export function parseServeOptions(options: ServeOptions): ServeSettings {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(options.listen);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    throw new CliError(
      `invalid --listen value ${JSON.stringify(options.listen)}: expected HOST:PORT, e.g. 127.0.0.1:8080`,
    );
  }
  const host = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');

  const workerConcurrency = Number(options.workerConcurrency);
  if (!Number.isInteger(workerConcurrency) || workerConcurrency < 0) {
    throw new CliError(
      `invalid --worker-concurrency value ${JSON.stringify(options.workerConcurrency)}: ` +
        'expected an integer of at least 0, where 0 runs no embedded worker',
    );
  }
  if (!isDstPolicy(options.dstPolicy)) {
    throw new CliError(
      `invalid --dst-policy value ${JSON.stringify(options.dstPolicy)}: expected cron or kubernetes`,
    );
  }
  const store = parseStoreOption(options);
  return {
    dataDir: options.dataDir,
    ...store,
    host,
    port,
    workerConcurrency,
    dstPolicy: options.dstPolicy,
    leaderElection: parseLeaderElection(options, 'url' in store.store),
  };
}

/**
 * Reads the leader election flags. Election is on by default with PostgreSQL, where several
 * replicas may share the store, and off with SQLite, where one process owns the file.
 */
function parseLeaderElection(
  options: ServeOptions,
  sharedStore: boolean,
): LeaderElectionSettings | undefined {
  const flag = options.leaderElect;
  if (flag !== undefined && flag !== 'true' && flag !== 'false') {
    throw new CliError(
      `invalid --leader-elect value ${JSON.stringify(flag)}: expected true or false`,
    );
  }
  if (flag === 'false' || (flag === undefined && !sharedStore)) return undefined;
  const {
    leaderElectLeaseDuration: lease = '15s',
    leaderElectRenewDeadline: renew = '10s',
    leaderElectRetryPeriod: retry = '2s',
  } = options;
  const settings = {
    leaseDurationMs: parseDurationFlag('--leader-elect-lease-duration', lease),
    renewDeadlineMs: parseDurationFlag('--leader-elect-renew-deadline', renew),
    retryPeriodMs: parseDurationFlag('--leader-elect-retry-period', retry),
  };
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = settings;
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs)) {
    throw new CliError(
      `invalid leader election timing: --leader-elect-lease-duration (${lease}) must exceed ` +
        `--leader-elect-renew-deadline (${renew}), which must exceed --leader-elect-retry-period (${retry})`,
    );
  }
  return settings;
}

/**
 * Selects the store: the PostgreSQL URL of --store, or else of CRONMESH_STORE (commander applies
 * that precedence), or else SQLite in --data-dir. Throws CliError for a URL that cronmesh cannot
 * use, with its password redacted.
 */
function parseStoreOption(options: ServeOptions): Pick<ServeSettings, 'store' | 'storeLogFields'> {
  const url = options.store;
  if (url === undefined) {
    return { store: { dataDir: options.dataDir }, storeLogFields: { dataDir: options.dataDir } };
  }
  const source = options.storeFromEnvironment === true ? 'CRONMESH_STORE' : '--store';
  if (!isPostgresUrl(url)) {
    throw new CliError(
      `unsupported ${source} value ${JSON.stringify(redactPassword(url))}: expected a ` +
        'postgres:// or postgresql:// URL such as postgres://USER@HOST:5432/DATABASE?schema=NAME',
    );
  }
  try {
    const target = parsePostgresUrl(url);
    return {
      store: { url },
      storeLogFields: { store: target.displayUrl, schema: target.schema },
    };
  } catch (error) {
    if (!(error instanceof InvalidStoreUrlError)) throw error;
    throw new CliError(`invalid ${source} value ${JSON.stringify(error.url)}: ${error.detail}`);
  }
}

/**
 * Runs `serve`: opens the store, serves the API, starts the controllers and the embedded worker,
 * applies `-f` manifests, then runs until SIGINT or SIGTERM and stops everything in reverse.
 */
export async function runServe(options: ServeOptions, out: Output): Promise<number> {
  const settings = parseServeOptions(options);
  // Manifests are read and checked before anything starts, so a bad manifest fails fast.
  let manifests: ParsedSources = { resources: [], origins: [] };
  if (options.filename.length > 0) {
    const sources = await readManifestSources(options.filename, readStdinText);
    const parsed = parseSources(out, sources, 'strict');
    if (parsed === undefined) return 1;
    manifests = parsed;
  }

  const logger = createLogger(options.logLevel, options.logFormat);
  const clock = clockFromEnvironment();
  const rawStore = await openCommandStore({ ...settings.store, clock });
  const metrics = new CronmeshMetrics({
    store: rawStore,
    defaultDstPolicy: settings.dstPolicy,
    version: readPackageVersion(),
    logger,
  });
  const store = metrics.store;
  let scheduler: SchedulerHandle | undefined;
  let stopping = false;
  const app = createServer({
    store,
    clock,
    logger,
    metrics,
    readinessChecks: [
      {
        name: 'controllers',
        check: () =>
          stopping
            ? Promise.reject(new Error('cronmesh is stopping'))
            : scheduler === undefined
              ? Promise.reject(new Error('the controllers have not started yet'))
              : Promise.resolve(),
      },
    ],
  });

  const stop = async (): Promise<void> => {
    stopping = true;
    const running = scheduler;
    scheduler = undefined;
    await running?.stop();
    await app.close();
    metrics.close();
    await store.close();
  };

  try {
    await app.listen({ host: settings.host, port: settings.port }).catch((error: unknown) => {
      throw describeListenError(error, options.listen);
    });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url, ...settings.storeLogFields }, 'cronmesh API listening');
    warnIfNotLoopback(logger, address.address, address.port);

    const started = await startScheduler({
      store,
      clock,
      logger,
      metrics,
      workerConcurrency: settings.workerConcurrency,
      dstPolicy: settings.dstPolicy,
      leaderElection: settings.leaderElection,
    });
    if (started.worker !== undefined) metrics.trackWorker(started.worker);
    scheduler = started;

    if (manifests.resources.length > 0) {
      const exitCode = await applyStartupManifests(url, manifests, out);
      if (exitCode !== 0) {
        await stop();
        return exitCode;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const signal = await waitForStopSignal();
  logger.info({ signal }, 'stopping cronmesh');
  await stop();
  return 0;
}

async function applyStartupManifests(
  url: string,
  manifests: ParsedSources,
  out: Output,
): Promise<number> {
  const context: CommandContext = {
    client: new ApiClient(url),
    namespace: 'default',
    namespaceFromFlag: false,
    out,
    now: () => Date.now(),
    signal: new AbortController().signal,
  };
  return applyResources(context, manifests);
}
