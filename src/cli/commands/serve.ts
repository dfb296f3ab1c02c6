import type { AddressInfo } from 'node:net';
import type { DstPolicy } from '../../schedule/index.js';
import { isDstPolicy } from '../../schedule/index.js';
import { createLocalToken } from '../../server/auth/authenticate.js';
import { ensureAdminTokenFile } from '../../server/auth/bootstrap.js';
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
import { parseCapacityFlags } from '../capacity-flags.js';
import { CliError } from '../errors.js';
import { openCommandStore } from '../open-store.js';
import { encryptionKeyVariable, loadEncryptionKeys } from '../encryption-keys.js';
import { reencryptSecrets } from '../secret-rotation.js';
import { readPackageVersion } from '../version.js';
import { describeListenError, warnIfNotLoopback } from '../listen-address.js';
import { createLogger } from '../logger.js';
import { openSandbox, parseSandboxFlag } from '../sandbox-flag.js';
import type { SandboxSelection } from '../../runtime/sandbox/index.js';
import { volumesParentDirectory } from '../../runtime/sandbox/index.js';
import { removeLeftoverVolumes } from '../../worker/leftover-volumes.js';
import type { AuthFlags } from '../serve-auth.js';
import { localApiUrl, parseAuthFlags } from '../serve-auth.js';
import { stopRequested } from '../signals.js';
import { readManifestSources, readStdinText } from '../manifest-files.js';
import { applyResources, parseSources } from './apply.js';
import type { ParsedSources } from './apply.js';

export interface ServeOptions extends AuthFlags {
  dataDir: string;
  /** PostgreSQL URL from --store or CRONMESH_STORE; SQLite in `dataDir` when absent. */
  store?: string;
  /** Whether `store` came from CRONMESH_STORE, for error messages. */
  storeFromEnvironment?: boolean;
  /** Address as `HOST:PORT`, where port 0 picks a free port. */
  listen: string;
  workerConcurrency: string;
  /** `auto`, `bubblewrap` or `none`; see sandboxFlagHelp. Defaults to `auto`. */
  sandbox?: string;
  /** Kubernetes quantities from --worker-capacity-cpu and --worker-capacity-memory. */
  workerCapacityCpu?: string;
  workerCapacityMemory?: string;
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
  /** Path from --encryption-key-file. Without it, CRONMESH_ENCRYPTION_KEY is read. */
  encryptionKeyFile?: string;
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
  sandbox: SandboxSelection;
  /** CPU in cores and memory in bytes of the embedded worker; the machine's by default. */
  workerCapacity: { cpu: number; memory: number };
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
    sandbox: parseSandboxFlag(options.sandbox ?? 'auto'),
    workerCapacity: parseCapacityFlags(
      { flag: '--worker-capacity-cpu', value: options.workerCapacityCpu },
      { flag: '--worker-capacity-memory', value: options.workerCapacityMemory },
    ),
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
 * applies `-f` manifests, then runs until `stopSignal` aborts (SIGINT or SIGTERM) and stops
 * everything in reverse. A signal during the start skips the steps not yet begun.
 */
export async function runServe(
  options: ServeOptions,
  out: Output,
  stopSignal: AbortSignal,
): Promise<number> {
  const settings = parseServeOptions(options);
  const authRequired = parseAuthFlags(options, settings.host, options.listen);
  // Manifests are read and checked before anything starts, so a bad manifest fails fast.
  let manifests: ParsedSources = { resources: [], origins: [] };
  if (options.filename.length > 0) {
    const sources = await Promise.race([
      readManifestSources(options.filename, readStdinText),
      stopRequested(stopSignal).then(() => undefined),
    ]);
    if (sources === undefined) {
      // Stopped while reading, perhaps from a terminal: nothing has started yet.
      process.stdin.destroy();
      return 0;
    }
    const parsed = parseSources(out, sources, 'strict');
    if (parsed === undefined) return 1;
    manifests = parsed;
  }

  const logger = createLogger(options.logLevel, options.logFormat);
  const clock = clockFromEnvironment();
  const keys = await loadEncryptionKeys(
    {
      keyFile: options.encryptionKeyFile,
      environmentValue: process.env[encryptionKeyVariable],
      dataDir: 'url' in settings.store ? undefined : settings.dataDir,
    },
    logger,
  );
  const encryptingStore = await openCommandStore({ ...settings.store, clock }, keys, logger);
  const metrics = new CronmeshMetrics({
    store: encryptingStore,
    defaultDstPolicy: settings.dstPolicy,
    version: readPackageVersion(),
    logger,
  });
  const store = metrics.store;
  // The -f manifests are applied with a token that only this process has and accepts.
  const startupToken = createLocalToken({ user: 'system:cronmesh-serve', unrestricted: true });
  let scheduler: SchedulerHandle | undefined;
  let stopping = false;
  const app = createServer({
    store,
    clock,
    logger,
    metrics,
    auth: {
      required: authRequired,
      anonymousLoopbackOnly: options.insecureAllowAnonymous !== true,
      localTokens: [startupToken.token],
    },
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

  const stopAfterSignal = async (): Promise<number> => {
    const signal = await stopRequested(stopSignal);
    logger.info({ signal }, 'stopping cronmesh');
    await stop();
    return 0;
  };

  try {
    if (authRequired) await ensureAdminTokenFile(store, clock, settings.dataDir, logger);
    await app.listen({ host: settings.host, port: settings.port }).catch((error: unknown) => {
      throw describeListenError(error, options.listen);
    });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url, ...settings.storeLogFields }, 'cronmesh API listening');
    if (!authRequired) warnIfNotLoopback(logger, address.address, address.port);
    // A signal during the start skips the steps that have not begun.
    if (!stopSignal.aborted) {
      const sandbox =
        settings.workerConcurrency > 0 ? await openSandbox(settings.sandbox, logger) : undefined;
      const started = await startScheduler({
        sandbox,
        store,
        clock,
        logger,
        metrics,
        workerConcurrency: settings.workerConcurrency,
        workerCapacity: settings.workerCapacity,
        dstPolicy: settings.dstPolicy,
        leaderElection: settings.leaderElection,
        serviceAccounts: { apiServerUrl: localApiUrl(address) },
        onControllersStart: () => reencryptSecrets(encryptingStore, logger),
      });
      if (started.worker !== undefined) metrics.trackWorker(started.worker);
      // After startScheduler: without leader election its recovery has killed the process groups
      // of the attempts that a killed serve left running.
      if (settings.workerConcurrency > 0) {
        await removeLeftoverVolumes({ parent: volumesParentDirectory(), logger });
      }
      scheduler = started;
    }

    if (manifests.resources.length > 0 && !stopSignal.aborted) {
      const exitCode = await applyStartupManifests(url, startupToken.bearer, manifests, out);
      if (exitCode !== 0) {
        await stop();
        return exitCode;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return stopAfterSignal();
}

async function applyStartupManifests(
  url: string,
  token: string,
  manifests: ParsedSources,
  out: Output,
): Promise<number> {
  const context: CommandContext = {
    client: new ApiClient(url, undefined, token),
    namespace: 'default',
    namespaceFromFlag: false,
    out,
    now: () => Date.now(),
    signal: new AbortController().signal,
  };
  return applyResources(context, manifests);
}
