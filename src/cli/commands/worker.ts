import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { checkLabelValue, checkQualifiedName } from '../../api/names.js';
import { ProcessExecutor } from '../../runtime/process.js';
import { ResourceConfiner } from '../../runtime/resources/resource-confiner.js';
import { CronmeshMetrics } from '../../server/metrics/registry.js';
import { createProbeServer } from '../../server/probe-server.js';
import { InvalidStoreUrlError, isPostgresUrl, redactPassword } from '../../store/open.js';
import { parsePostgresUrl } from '../../store/postgres/url.js';
import { Worker } from '../../worker/worker.js';
import { clockFromEnvironment } from '../clock.js';
import { parseDurationFlag } from '../duration.js';
import { parseCapacityFlags } from '../capacity-flags.js';
import { CliError } from '../errors.js';
import { openCommandStore } from '../open-store.js';
import { encryptionKeyVariable, loadEncryptionKeys } from '../encryption-keys.js';
import { parseListenFlag } from '../listen-flag.js';
import { parseServerUrl } from '../server-url.js';
import { createLogger } from '../logger.js';
import { openSandbox, parseSandboxFlag } from '../sandbox-flag.js';
import type { SandboxSelection } from '../../runtime/sandbox/index.js';
import { volumesParentDirectory } from '../../runtime/sandbox/index.js';
import { removeLeftoverVolumes } from '../../worker/leftover-volumes.js';
import { stopRequested } from '../signals.js';
import { readPackageVersion } from '../version.js';

/** The flags of `cronmesh worker`, as commander returns them. */
export interface WorkerCommandOptions {
  /** PostgreSQL URL from --store or CRONMESH_STORE. */
  store?: string;
  /** Whether `store` came from CRONMESH_STORE, for error messages. */
  storeFromEnvironment?: boolean;
  concurrency: string;
  /** Kubernetes quantities from --capacity-cpu and --capacity-memory; the machine's when absent. */
  capacityCpu?: string;
  capacityMemory?: string;
  /** `KEY=VALUE,KEY=VALUE`, or empty for no labels. */
  labels: string;
  /** Address of the probe and metrics server as `HOST:PORT`, where port 0 picks a free port. */
  listen: string;
  leaseDuration: string;
  heartbeatInterval: string;
  /** `auto`, `bubblewrap` or `none`; see sandboxFlagHelp. Defaults to `auto`. */
  sandbox?: string;
  logLevel: string;
  logFormat: string;
  /** Path from --encryption-key-file. Without it, CRONMESH_ENCRYPTION_KEY is read. */
  encryptionKeyFile?: string;
  /** URL from --api-server, at which attempts reach the API of cronmesh serve. */
  apiServer?: string;
}

interface WorkerSettings {
  url: string;
  /** Log fields that name the store, never with a password. */
  storeLogFields: { store: string; schema: string };
  host: string;
  port: number;
  concurrency: number;
  /** CPU in cores and memory in bytes that attempts' requests may reserve. */
  capacity: { cpu: number; memory: number };
  labels: Record<string, string>;
  leaseDurationMs: number;
  heartbeatIntervalMs: number;
  sandbox: SandboxSelection;
  /** Given to attempts with a service account token as CRONMESH_SERVER; absent without the flag. */
  apiServerUrl?: string;
}

const storeExample = 'postgres://USER@HOST:5432/DATABASE?schema=NAME';

/** Checks the flags of `worker` and returns them typed. Throws CliError naming a bad value. */
export function parseWorkerOptions(options: WorkerCommandOptions): WorkerSettings {
  const { host, port } = parseListenFlag(options.listen, '127.0.0.1:9090');

  const concurrency = Number(options.concurrency);
  if (!/^\d+$/.test(options.concurrency) || !Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new CliError(
      `invalid --concurrency value ${JSON.stringify(options.concurrency)}: expected an integer of at least 1`,
    );
  }

  const leaseDurationMs = parseDurationFlag('--lease-duration', options.leaseDuration);
  const heartbeatIntervalMs = parseDurationFlag('--heartbeat-interval', options.heartbeatInterval);
  if (heartbeatIntervalMs >= leaseDurationMs) {
    throw new CliError(
      `invalid --heartbeat-interval value ${JSON.stringify(options.heartbeatInterval)}: expected ` +
        `less than --lease-duration (${options.leaseDuration}), so the lease is renewed before it expires`,
    );
  }

  return {
    ...parseStoreFlag(options),
    host,
    port,
    concurrency,
    capacity: parseCapacityFlags(
      { flag: '--capacity-cpu', value: options.capacityCpu },
      { flag: '--capacity-memory', value: options.capacityMemory },
    ),
    labels: parseLabelsFlag(options.labels),
    leaseDurationMs,
    heartbeatIntervalMs,
    sandbox: parseSandboxFlag(options.sandbox ?? 'auto'),
    ...parseApiServerFlag(options.apiServer),
  };
}

/** Checks --api-server as `--server` is checked. Throws CliError naming the flag. */
function parseApiServerFlag(value: string | undefined): Pick<WorkerSettings, 'apiServerUrl'> {
  if (value === undefined) return {};
  try {
    return { apiServerUrl: parseServerUrl(value, '--server') };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      `invalid --api-server value ${JSON.stringify(value)}: expected the URL of cronmesh serve ` +
        'as the attempts on this host reach it, such as http://10.0.0.5:8080',
    );
  }
}

/**
 * Returns the PostgreSQL store of --store, or else of CRONMESH_STORE (commander applies that
 * precedence). A worker shares its store with `cronmesh serve`, so SQLite, which one process
 * owns, is no option. Throws CliError for a missing or unusable URL, with its password redacted.
 */
function parseStoreFlag(
  options: WorkerCommandOptions,
): Pick<WorkerSettings, 'url' | 'storeLogFields'> {
  const url = options.store;
  if (url === undefined || url === '') {
    throw new CliError(
      'missing --store: a worker claims attempts from the PostgreSQL store that cronmesh serve ' +
        `uses. Pass --store ${storeExample} or set CRONMESH_STORE`,
    );
  }
  const source = options.storeFromEnvironment === true ? 'CRONMESH_STORE' : '--store';
  if (!isPostgresUrl(url)) {
    throw new CliError(
      `unsupported ${source} value ${JSON.stringify(redactPassword(url))}: expected a ` +
        `postgres:// or postgresql:// URL such as ${storeExample}`,
    );
  }
  try {
    const target = parsePostgresUrl(url);
    return { url, storeLogFields: { store: target.displayUrl, schema: target.schema } };
  } catch (error) {
    if (!(error instanceof InvalidStoreUrlError)) throw error;
    throw new CliError(`invalid ${source} value ${JSON.stringify(error.url)}: ${error.detail}`);
  }
}

/**
 * Parses `KEY=VALUE,KEY=VALUE`, the format of the kubelet's --node-labels, where each key and
 * value must be a valid Kubernetes label key and value. An empty text means no labels.
 */
export function parseLabelsFlag(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === '') return labels;
  const invalid = (detail: string): CliError =>
    new CliError(`invalid --labels value ${JSON.stringify(text)}: ${detail}`);

  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    if (equals === -1) {
      throw invalid(
        `expected KEY=VALUE pairs separated by commas, e.g. pool=east,zone=a; got ${JSON.stringify(pair)}`,
      );
    }
    const key = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    const keyProblem = checkQualifiedName(key)[0];
    if (keyProblem !== undefined) throw invalid(`label key ${JSON.stringify(key)}: ${keyProblem}`);
    const valueProblem = checkLabelValue(value)[0];
    if (valueProblem !== undefined) {
      throw invalid(`value ${JSON.stringify(value)} of label ${key}: ${valueProblem}`);
    }
    if (Object.hasOwn(labels, key)) throw invalid(`label ${key} is given twice`);
    labels[key] = value;
  }
  return labels;
}

/**
 * Runs `worker`: opens the shared store, serves `/healthz`, `/readyz` and `/metrics`, and claims
 * and runs attempts until SIGINT or SIGTERM. Then it stops its attempts (SIGTERM, and SIGKILL
 * after each attempt's grace period), releases its lease and exits.
 */
export async function runWorker(
  options: WorkerCommandOptions,
  stopSignal: AbortSignal,
): Promise<number> {
  const settings = parseWorkerOptions(options);
  const logger = createLogger(options.logLevel, options.logFormat);
  // Selected before the store opens, so a host without a working bwrap fails fast.
  const sandbox = await openSandbox(settings.sandbox, logger);
  const clock = clockFromEnvironment();
  // The host name says where an attempt ran; the suffix keeps a restarted process apart from
  // the one before it, whose attempts the sweeper fails.
  const id = `${hostname()}-${randomUUID().slice(0, 8)}`;

  const keys = await loadEncryptionKeys(
    { keyFile: options.encryptionKeyFile, environmentValue: process.env[encryptionKeyVariable] },
    logger,
  );
  const rawStore = await openCommandStore({ url: settings.url, clock }, keys, logger);
  const metrics = new CronmeshMetrics({
    store: rawStore,
    defaultDstPolicy: 'cron',
    version: readPackageVersion(),
    logger,
    storeSeries: false,
  });
  const store = metrics.store;
  const worker = new Worker({
    id,
    store,
    clock,
    logger,
    // The resource confiner must stay the last, outermost layer: it joins the cgroup first.
    executor: new ProcessExecutor({
      clock,
      confiners: [sandbox.confiner, new ResourceConfiner({ logger })],
    }),
    sandbox: sandbox.mode,
    concurrency: settings.concurrency,
    capacity: settings.capacity,
    labels: settings.labels,
    leaseDurationMs: settings.leaseDurationMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    serviceAccounts: { apiServerUrl: settings.apiServerUrl },
    metrics,
  });
  metrics.trackWorker(worker);
  const app = createProbeServer({
    store,
    metrics,
    logger,
    readinessChecks: [
      {
        name: 'worker-lease',
        check: () =>
          worker.lease === undefined
            ? Promise.reject(
                new Error(
                  `worker ${id} is not registered: it has no lease, or no renewal succeeded within the lease duration`,
                ),
              )
            : Promise.resolve(),
      },
    ],
  });

  let started = false;
  const stop = async (): Promise<void> => {
    if (started) await worker.stop();
    await app.close();
    metrics.close();
    await store.close();
  };

  try {
    await app.listen({ host: settings.host, port: settings.port }).catch((error: unknown) => {
      throw describeProbeListenError(error, options.listen);
    });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    logger.info({ url: `http://${host}:${address.port}` }, 'worker probes listening');

    // A signal during the start leaves the worker unregistered: it claims nothing.
    if (stopSignal.aborted) {
      await stop();
      logger.info({ worker: id }, 'worker stopped');
      return 0;
    }
    await removeLeftoverVolumes({ parent: volumesParentDirectory(), logger });
    worker.start();
    started = true;
    logger.info(
      {
        worker: id,
        labels: settings.labels,
        concurrency: settings.concurrency,
        capacity: settings.capacity,
        apiServer: settings.apiServerUrl,
        ...settings.storeLogFields,
      },
      'worker started',
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const signal = await stopRequested(stopSignal);
  logger.info({ worker: id, signal, running: worker.busy }, 'stopping worker');
  await stop();
  logger.info({ worker: id }, 'worker stopped');
  return 0;
}

/** Returns the error to report when the probe server cannot listen: a CliError when the address is in use. */
function describeProbeListenError(error: unknown, listen: string): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return error;
  return new CliError(
    `cannot listen on ${listen}: the address is already in use, perhaps by another cronmesh ` +
      'worker. Pass --listen HOST:PORT to serve the probes and metrics on another address.',
  );
}
