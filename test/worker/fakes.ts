import type { Pod } from '../../src/api/types.js';
import type { AttemptHooks, AttemptResult, AttemptSpec } from '../../src/runtime/types.js';
import type { Logger } from '../../src/util/logger.js';
import type { Executor } from '../../src/worker/worker.js';

/** One call of BlockingExecutor.run. */
export interface BlockingRun {
  spec: AttemptSpec;
  hooks: AttemptHooks;
  signal: AbortSignal | undefined;
  /** The abort reason once the worker stopped the attempt. */
  abortReason: unknown;
  /** Ends the attempt as Succeeded. */
  succeed(): void;
}

/**
 * An executor whose attempts run until the worker aborts them or the test ends them, so the
 * tests see exactly which attempts a worker started and how it stopped them. An aborted attempt
 * ends Failed with the abort reason, as ProcessExecutor's do.
 */
export class BlockingExecutor implements Executor {
  readonly runs: BlockingRun[] = [];

  run(spec: AttemptSpec, hooks: AttemptHooks, signal?: AbortSignal): Promise<AttemptResult> {
    return new Promise((resolve) => {
      const run: BlockingRun = {
        spec,
        hooks,
        signal,
        abortReason: undefined,
        succeed: () => resolve({ phase: 'Succeeded', initContainers: [], containers: [] }),
      };
      const abort = (): void => {
        run.abortReason = signal?.reason;
        resolve({
          phase: 'Failed',
          reason: String(signal?.reason),
          initContainers: [],
          containers: [],
        });
      };
      this.runs.push(run);
      if (signal?.aborted === true) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }
}

/** One call of RecordingLogger. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A Logger that keeps every entry, so tests can assert what an operator would read. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(fields: object, message: string): void {
    this.record('debug', fields, message);
  }

  info(fields: object, message: string): void {
    this.record('info', fields, message);
  }

  warn(fields: object, message: string): void {
    this.record('warn', fields, message);
  }

  error(fields: object, message: string): void {
    this.record('error', fields, message);
  }

  /** Returns the messages logged at `level`, in order. */
  messages(level: LogEntry['level']): string[] {
    return this.entries.filter((entry) => entry.level === level).map((entry) => entry.message);
  }

  /** Returns the entries with `message`, in order. */
  withMessage(message: string): LogEntry[] {
    return this.entries.filter((entry) => entry.message === message);
  }

  private record(level: LogEntry['level'], fields: object, message: string): void {
    this.entries.push({ level, fields: { ...fields }, message });
  }
}

/** Returns a pending attempt with one container, as the Job controller creates it. */
export function pendingPod(name: string, nodeSelector?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      restartPolicy: 'Never',
      ...(nodeSelector === undefined ? {} : { nodeSelector }),
      containers: [{ name: 'main', image: 'busybox', command: ['/bin/true'] }],
    },
    status: { phase: 'Pending' },
  };
}
