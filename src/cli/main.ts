#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ApiClient } from './client.js';
import { runApply, parseValidateMode } from './commands/apply.js';
import { runCreateJob } from './commands/create-job.js';
import { deleteTargets, runDelete, targetsOfManifests } from './commands/delete.js';
import { runDescribe } from './commands/describe.js';
import { runGet } from './commands/get.js';
import { runLogs } from './commands/logs.js';
import { runServe } from './commands/serve.js';
import { runSetSuspend } from './commands/suspend.js';
import { runTokenCreate, runTokenDelete, runTokenList } from './commands/token.js';
import { runWorker } from './commands/worker.js';
import type { CommandContext, Output } from './context.js';
import { CliError, formatError } from './errors.js';
import { readManifestSources, readStdinText } from './manifest-files.js';
import { runNext } from './next.js';
import { parseServerUrl } from './server-url.js';
import { readPackageVersion } from './version.js';
import { listenForStopSignal } from './signals.js';
import { sandboxFlagHelp } from './sandbox-flag.js';
import { resolveToken } from './token-source.js';
import { parseSources } from './commands/apply.js';

const defaultServer = 'http://127.0.0.1:8080';

const output: Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * Aborted by the first SIGINT or SIGTERM: it ends the requests of watches and followed logs, and
 * stops `serve` and `worker`.
 */
const interrupt = listenForStopSignal();

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds `--server` and `-n/--namespace`, which every command that calls the API takes. */
function withServerOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--server <url>', 'URL of the cronmesh API server, or HOST:PORT for http')
        .env('CRONMESH_SERVER')
        .default(defaultServer),
    )
    .option('-n, --namespace <namespace>', 'namespace of the objects', 'default')
    .addOption(
      new Option('--token <token>', 'bearer token to send to the API server').env('CRONMESH_TOKEN'),
    )
    .addOption(
      new Option('--token-file <path>', 'file whose content is the bearer token to send').env(
        'CRONMESH_TOKEN_FILE',
      ),
    );
}

function contextOf(command: Command): CommandContext {
  const options = command.opts<{
    server: string;
    namespace: string;
    token?: string;
    tokenFile?: string;
  }>();
  const fromEnvironment = command.getOptionValueSource('server') === 'env';
  const server = parseServerUrl(options.server, fromEnvironment ? 'CRONMESH_SERVER' : '--server');
  const token = resolveToken({
    token: options.token,
    tokenSource: command.getOptionValueSource('token'),
    tokenFile: options.tokenFile,
    tokenFileSource: command.getOptionValueSource('tokenFile'),
  });
  return {
    client: new ApiClient(server, interrupt, token),
    namespace: options.namespace,
    namespaceFromFlag: command.getOptionValueSource('namespace') === 'cli',
    out: output,
    now: () => Date.now(),
    signal: interrupt,
  };
}

/** Runs a command action, printing errors the kubectl way and setting the exit code. */
function action<Args extends unknown[]>(
  run: (...args: Args) => number | Promise<number>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      output.stderr(formatError(error));
      process.exitCode = 1;
    }
  };
}

function buildProgram(): Command {
  const program = new Command('cronmesh')
    .description('Run Kubernetes CronJob and Job manifests as local processes, without a cluster.')
    .version(readPackageVersion(), '-V, --version', 'print the cronmesh version')
    .showHelpAfterError();

  program
    .command('serve')
    .description('Run the API server, the controllers and an embedded worker')
    .option('--data-dir <dir>', 'directory of the SQLite database', './.cronmesh')
    .addOption(
      new Option(
        '--store <url>',
        'PostgreSQL store to use instead of SQLite in --data-dir: ' +
          'postgres://USER[:PASSWORD]@HOST:PORT/DATABASE?schema=NAME (schema defaults to cronmesh)',
      ).env('CRONMESH_STORE'),
    )
    .option('--listen <host:port>', 'address the API listens on', '127.0.0.1:8080')
    .option(
      '--worker-concurrency <n>',
      'attempts the embedded worker runs at the same time; 0 runs no embedded worker',
      '4',
    )
    .option(
      '--worker-capacity-cpu <quantity>',
      "CPUs the embedded worker offers to the requests of attempts, e.g. 2 or 1500m (default: the machine's CPUs)",
    )
    .option(
      '--worker-capacity-memory <quantity>',
      "bytes of memory the embedded worker offers to the requests of attempts, e.g. 4Gi (default: the machine's memory)",
    )
    .option(
      '--leader-elect <bool>',
      'run the controllers only while holding the controller lease (default: true with --store, false with SQLite)',
    )
    .option(
      '--leader-elect-lease-duration <duration>',
      'how long standbys wait after the last renewal before taking the lease',
      '15s',
    )
    .option(
      '--leader-elect-renew-deadline <duration>',
      'how long the leader retries a failed renewal before it stops leading',
      '10s',
    )
    .option(
      '--leader-elect-retry-period <duration>',
      'time between lease acquisitions and renewals',
      '2s',
    )
    .option('--dst-policy <policy>', 'default DST policy of CronJobs: cron or kubernetes', 'cron')
    .option('--sandbox <mode>', sandboxFlagHelp, 'auto')
    .option(
      '--encryption-key-file <path>',
      'file of the keys that encrypt Secrets in the store: one [ID:]BASE64 key of 32 bytes per ' +
        'line, the first one encrypts (default: CRONMESH_ENCRYPTION_KEY, else <data-dir>/encryption.key, created on first start)',
    )
    .option(
      '--log-level <level>',
      'log level: trace, debug, info, warn, error, fatal or silent',
      'info',
    )
    .option('--log-format <format>', 'log format: json (one object per line) or pretty', 'json')
    .option(
      '-f, --filename <path>',
      'manifest file or directory to apply at start (repeatable)',
      collect,
      [],
    )
    .option(
      '--auth',
      'require a bearer token on every API request; on first start, write a token of an admin ' +
        'of every namespace to <data-dir>/admin.token',
    )
    .option(
      '--insecure-allow-anonymous',
      'serve requests without a token on a non-loopback --listen address, letting anyone who ' +
        'can reach it run commands as this user',
    )
    .action(
      action((options: Parameters<typeof runServe>[0], command: Command) =>
        runServe(
          { ...options, storeFromEnvironment: command.getOptionValueSource('store') === 'env' },
          output,
          interrupt,
        ),
      ),
    );

  program
    .command('worker')
    .description(
      'Claim Job attempts from the PostgreSQL store that cronmesh serve uses, and run them',
    )
    .addOption(
      new Option(
        '--store <url>',
        'PostgreSQL store shared with cronmesh serve: ' +
          'postgres://USER[:PASSWORD]@HOST:PORT/DATABASE?schema=NAME (schema defaults to cronmesh)',
      ).env('CRONMESH_STORE'),
    )
    .option('--concurrency <n>', 'attempts this worker runs at the same time', '4')
    .option(
      '--capacity-cpu <quantity>',
      "CPUs the worker offers to the requests of attempts, e.g. 2 or 1500m (default: the machine's CPUs)",
    )
    .option(
      '--capacity-memory <quantity>',
      "bytes of memory the worker offers to the requests of attempts, e.g. 4Gi (default: the machine's memory)",
    )
    .option(
      '--labels <key=value,...>',
      "the worker's labels; it runs only attempts whose nodeSelector they satisfy",
      '',
    )
    .option('--listen <host:port>', 'address of /healthz, /readyz and /metrics', '127.0.0.1:9090')
    .option(
      '--lease-duration <duration>',
      'how long after its last heartbeat the worker counts as alive; then its attempts fail',
      '40s',
    )
    .option('--heartbeat-interval <duration>', 'time between heartbeats', '10s')
    .option('--sandbox <mode>', sandboxFlagHelp, 'auto')
    .option(
      '--api-server <url>',
      'URL of the cronmesh serve API as attempts on this host reach it, given to attempts with a ' +
        'service account token as CRONMESH_SERVER (default: none)',
    )
    .option(
      '--encryption-key-file <path>',
      'file of the keys that encrypt Secrets in the store: one [ID:]BASE64 key of 32 bytes per ' +
        'line, the first one encrypts (default: CRONMESH_ENCRYPTION_KEY, with the same keys as cronmesh serve)',
    )
    .option(
      '--log-level <level>',
      'log level: trace, debug, info, warn, error, fatal or silent',
      'info',
    )
    .option('--log-format <format>', 'log format: json (one object per line) or pretty', 'json')
    .action(
      action((options: Parameters<typeof runWorker>[0], command: Command) =>
        runWorker(
          {
            ...options,
            storeFromEnvironment: command.getOptionValueSource('store') === 'env',
          },
          interrupt,
        ),
      ),
    );

  withServerOptions(program.command('apply'))
    .description('Create or update objects from manifest files')
    .option(
      '-f, --filename <path>',
      'file, directory or - for standard input (repeatable)',
      collect,
      [],
    )
    .option('--validate <mode>', 'unknown manifest fields: strict, warn or ignore', 'strict')
    .action(
      action(async (options: { filename: string[]; validate: string }, command: Command) => {
        const mode = parseValidateMode(options.validate);
        const sources = await readManifestSources(options.filename, readStdinText);
        return runApply(contextOf(command), sources, mode);
      }),
    );

  withServerOptions(program.command('get'))
    .description('List objects or show one: cronjobs, jobs, pods, configmaps, secrets, events')
    .argument('<type-or-names...>', 'TYPE [NAME...] or TYPE/NAME...')
    .option('-o, --output <format>', 'json, yaml, wide or name')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .option('-w, --watch', 'after listing, print each change')
    .option('-A, --all-namespaces', 'list objects of every namespace')
    .action(
      action((args: string[], options: Parameters<typeof runGet>[2], command: Command) =>
        runGet(contextOf(command), args, options),
      ),
    );

  withServerOptions(program.command('describe'))
    .description('Show a cronjob, job or pod in detail, with its events')
    .argument('<type-or-names...>', 'TYPE NAME... or TYPE/NAME...')
    .action(
      action((args: string[], _options: object, command: Command) =>
        runDescribe(contextOf(command), args),
      ),
    );

  withServerOptions(program.command('delete'))
    .description('Delete objects by type and name, or those a manifest describes')
    .argument('[type-or-names...]', 'TYPE NAME... or TYPE/NAME...')
    .option(
      '-f, --filename <path>',
      'delete the objects of a manifest file or directory (repeatable)',
      collect,
      [],
    )
    .option('--cascade <policy>', 'dependents: background, foreground or orphan', 'background')
    .option('--ignore-not-found', 'treat objects that do not exist as deleted')
    .action(
      action(
        async (
          args: string[],
          options: { filename: string[]; cascade: string; ignoreNotFound?: boolean },
          command: Command,
        ) => {
          const context = contextOf(command);
          if (options.filename.length === 0) return runDelete(context, args, options);
          if (args.length > 0) throw new CliError('give either TYPE NAME or -f, not both');
          const sources = await readManifestSources(options.filename, readStdinText);
          const parsed = parseSources(output, sources, 'ignore');
          if (parsed === undefined) return 1;
          const targets = targetsOfManifests(parsed.resources, context.namespace);
          return deleteTargets(context, targets, options);
        },
      ),
    );

  withServerOptions(program.command('logs'))
    .description("Print a pod's log, or the log of the newest pod of a job or cronjob")
    .argument('<target>', 'cronjob/NAME, job/NAME, pod/NAME or a pod NAME')
    .option('-c, --container <name>', 'container whose log to print')
    .option('-f, --follow', 'stream the log until the container finishes')
    .option('--pod-running-timeout <seconds>', "seconds to wait for a job's first pod", '20')
    .action(
      action(
        (
          target: string,
          options: { container?: string; follow?: boolean; podRunningTimeout: string },
          command: Command,
        ) => {
          const seconds = Number(options.podRunningTimeout);
          if (!Number.isFinite(seconds) || seconds < 0) {
            throw new CliError(
              `invalid --pod-running-timeout value ${JSON.stringify(options.podRunningTimeout)}: expected seconds`,
            );
          }
          return runLogs(contextOf(command), target, {
            ...options,
            podRunningTimeoutMs: seconds * 1000,
          });
        },
      ),
    );

  const token = program
    .command('token')
    .description('Create, list and delete the bearer tokens of the API');
  withServerOptions(token.command('create'))
    .description('Create a bearer token and print it; the server keeps only its hash')
    .requiredOption('--role <role>', 'viewer, editor or admin')
    .option('-A, --all-namespaces', 'grant the role in every namespace instead of -n')
    .option(
      '--service-account <name>',
      'make the token act as this service account of -n, whose role the pods with this ' +
        'serviceAccountName then have',
    )
    .option(
      '--expires-in <duration>',
      'lifetime such as 30m or 24h (default: none, or the expiry of the token used to create it)',
    )
    .option('-o, --output <format>', 'json or yaml: print the whole Token object')
    .action(
      action((options: Parameters<typeof runTokenCreate>[1], command: Command) =>
        runTokenCreate(contextOf(command), options),
      ),
    );
  withServerOptions(token.command('list'))
    .description('List the tokens of the namespace, without their secrets')
    .option('-A, --all-namespaces', 'list the tokens of every namespace')
    .option('-o, --output <format>', 'json or yaml')
    .action(
      action((options: Parameters<typeof runTokenList>[1], command: Command) =>
        runTokenList(contextOf(command), options),
      ),
    );
  withServerOptions(token.command('delete'))
    .description('Delete tokens by ID; requests with them fail at once')
    .argument('<id...>', 'token IDs, as token list prints them')
    .option('-A, --all-namespaces', 'delete tokens that grant a role in every namespace')
    .action(
      action((ids: string[], options: Parameters<typeof runTokenDelete>[2], command: Command) =>
        runTokenDelete(contextOf(command), ids, options),
      ),
    );

  const create = program.command('create').description('Create an object from the command line');
  withServerOptions(create.command('job'))
    .description('Create a job from a cronjob template')
    .argument('<name>', 'name of the new job')
    .option('--from <cronjob>', 'the cronjob to copy, as cronjob/NAME')
    .action(
      action((name: string, options: { from?: string }, command: Command) =>
        runCreateJob(contextOf(command), name, options),
      ),
    );

  for (const [name, suspend] of [
    ['suspend', true],
    ['resume', false],
  ] as const) {
    withServerOptions(program.command(name))
      .description(
        suspend ? 'Stop a cronjob from starting jobs' : 'Let a suspended cronjob start jobs again',
      )
      .argument('<target>', 'cronjob/NAME (or job/NAME)')
      .action(
        action((target: string, _options: object, command: Command) =>
          runSetSuspend(contextOf(command), target, suspend),
        ),
      );
  }

  program
    .command('next')
    .description('Describe a schedule and print its next (or previous) fire times')
    .argument(
      '<expression>',
      'a Kubernetes CronJob schedule such as "0 2 * * *", or an EventBridge "cron(0 12 ? * MON-FRI *)" or "rate(5 minutes)"',
    )
    .option(
      '--time-zone <zone>',
      'IANA time zone; default: the local zone for CronJob schedules, UTC for EventBridge expressions',
    )
    .option('--from <time>', 'RFC 3339 time to start from, seconds optional; default: now')
    .option(
      '--before <time>',
      'RFC 3339 time; print the fire times before it instead, newest first',
    )
    .option('-n, --count <n>', 'how many times to print', '5')
    .option('--dst-policy <policy>', 'cron or kubernetes', 'cron')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(
      action(
        (
          expression: string,
          options: {
            timeZone?: string;
            from?: string;
            before?: string;
            count: string;
            dstPolicy: string;
            output: string;
          },
        ) => {
          const result = runNext(
            {
              expression,
              timeZone: options.timeZone,
              from: options.from,
              before: options.before,
              count: options.count,
              dstPolicy: options.dstPolicy,
              output: options.output as 'json' | 'text',
            },
            Date.now(),
          );
          output.stdout(result.stdout);
          output.stderr(result.stderr);
          return result.exitCode;
        },
      ),
    );

  return program;
}

await buildProgram().parseAsync(process.argv);
