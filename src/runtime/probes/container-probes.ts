import type { Clock } from '../../util/clock.js';
import type { Confiner } from '../confinement.js';
import type { ResolvedContainer } from '../types.js';
import { runExecProbe } from './exec-probe.js';
import { runHttpProbe } from './http-probe.js';
import { ProbeWorker } from './probe-worker.js';
import { runTcpProbe } from './tcp-probe.js';
import {
  initialProbeState,
  type ContainerProbeSpecs,
  type ProbeKind,
  type ProbeOutcome,
  type ProbeSpec,
  type ProbeState,
} from './types.js';

export type ProbeEventType = 'Normal' | 'Warning';

export interface ContainerProbesOptions {
  clock: Clock;
  container: ResolvedContainer;
  probes: ContainerProbeSpecs;
  /** Instant the container started, in milliseconds on `clock`. */
  startedAt: number;
  confiners: readonly Confiner[];
  /** Unique name of the container run. Exec probes add a suffix to it for their confiners. */
  runId: string;
  restartCount: number;
  /** Called when `started` or `ready` of the container changes. */
  onStateChange(state: ProbeState): void;
  /** Called after every probe run, before thresholds are applied. */
  onProbe?(kind: ProbeKind, outcome: ProbeOutcome): void;
  /** Called for each event kubelet records about a probe, such as `Unhealthy`. */
  onEvent(type: ProbeEventType, reason: string, message: string): void;
  /**
   * Called once when the liveness or the startup probe failed failureThreshold times in a row.
   * The container must then be killed. Probing has stopped by then.
   */
  onFailure(kind: 'liveness' | 'startup', spec: ProbeSpec): void;
}

const probeNames: Record<ProbeKind, string> = {
  liveness: 'Liveness',
  readiness: 'Readiness',
  startup: 'Startup',
};

/**
 * The probes of one run of one container. The startup probe runs until it passes once, and
 * liveness and readiness probes run only after that, as in kubelet.
 */
export class ContainerProbes {
  private readonly workers = new Map<ProbeKind, ProbeWorker>();
  private state: ProbeState;
  private readinessPassed = false;
  private execRuns = 0;
  private stopped = false;

  private constructor(private readonly options: ContainerProbesOptions) {
    this.state = initialProbeState(options.probes);
  }

  /** Starts the probe loops of a container that has probes. */
  static start(options: ContainerProbesOptions): ContainerProbes {
    const probes = new ContainerProbes(options);
    probes.startWorkers();
    return probes;
  }

  /**
   * Stops probing and aborts the probes under way. No callback is called afterwards. Resolves
   * once those probes have ended.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
  }

  private startWorkers(): void {
    const kinds: ProbeKind[] = ['startup', 'liveness', 'readiness'];
    for (const kind of kinds) {
      const spec = this.options.probes[kind];
      if (spec === undefined) continue;
      const worker = new ProbeWorker({
        kind,
        spec,
        clock: this.options.clock,
        startedAt: this.options.startedAt,
        probe: (signal) => this.probe(kind, spec, signal),
        isEnabled: () => (kind === 'startup' ? !this.state.started : this.state.started),
        onOutcome: (outcome) => this.reportOutcome(kind, outcome),
        onResult: (success) => this.applyResult(kind, spec, success),
      });
      this.workers.set(kind, worker);
    }
    for (const worker of this.workers.values()) worker.start();
  }

  private applyResult(kind: ProbeKind, spec: ProbeSpec, success: boolean): void {
    if (this.stopped) return;
    switch (kind) {
      case 'startup':
        if (!success) return this.fail(kind, spec);
        // Kubelet stops the startup probe once it passed, for the rest of this container run.
        void this.workers.get('startup')?.stop();
        this.updateState({ ...this.state, started: true });
        return;
      case 'liveness':
        if (!success) this.fail(kind, spec);
        return;
      case 'readiness':
        this.readinessPassed = success;
        this.updateState(this.state);
        return;
    }
  }

  private fail(kind: 'liveness' | 'startup', spec: ProbeSpec): void {
    void this.stop();
    this.options.onFailure(kind, spec);
  }

  /** Derives `ready` from `started` and the readiness result, and reports a change. */
  private updateState(next: ProbeState): void {
    const hasReadiness = this.options.probes.readiness !== undefined;
    const ready = next.started && (!hasReadiness || this.readinessPassed);
    const state = { started: next.started, ready };
    if (state.started === this.state.started && state.ready === this.state.ready) return;
    this.state = state;
    this.options.onStateChange(state);
  }

  private reportOutcome(kind: ProbeKind, reported: ProbeOutcome): void {
    if (this.stopped) return;
    const secrets = this.options.probes.secretValues ?? [];
    const outcome = { ...reported, output: redactSecretValues(reported.output, secrets) };
    this.options.onProbe?.(kind, outcome);
    const name = probeNames[kind];
    if (outcome.result === 'failure') {
      this.options.onEvent('Warning', 'Unhealthy', `${name} probe failed: ${outcome.output}`);
    } else if (outcome.result === 'warning') {
      this.options.onEvent('Warning', 'ProbeWarning', `${name} probe warning: ${outcome.output}`);
    }
  }

  private async probe(
    kind: ProbeKind,
    spec: ProbeSpec,
    signal: AbortSignal,
  ): Promise<ProbeOutcome> {
    const { clock } = this.options;
    const timeoutMs = spec.timeoutSeconds * 1000;
    const handler = spec.handler;
    try {
      switch (handler.type) {
        case 'httpGet':
          return await runHttpProbe(handler, timeoutMs, clock, signal);
        case 'tcpSocket':
          return await runTcpProbe(handler, timeoutMs, clock, signal);
        case 'exec': {
          this.execRuns += 1;
          return await runExecProbe(
            handler,
            timeoutMs,
            {
              clock,
              container: this.options.container,
              confiners: this.options.confiners,
              runId: `${this.options.runId}-${kind}-probe-${this.execRuns}`,
              restartCount: this.options.restartCount,
            },
            signal,
          );
        }
      }
    } catch (error) {
      // A probe that cannot run at all, such as a confinement layer failing, counts as failed.
      return { result: 'failure', output: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** Text put in place of a Secret's value in probe output. */
export const REDACTED_SECRET_VALUE = '[REDACTED]';

/**
 * Replaces every occurrence of a Secret's value in probe output, which becomes an Event message
 * and a log line that readers without access to Secrets can see. Longer values go first, so
 * a value that contains a shorter one is replaced whole.
 *
 * NOTE: only values of environment variables are known here. A probe that prints a file of a
 * secret volume, or a value it changed (encoded, split across lines), is not redacted.
 */
export function redactSecretValues(output: string, secretValues: readonly string[]): string {
  const values = [...new Set(secretValues)].filter((value) => value !== '');
  if (values.length === 0) return output;
  values.sort((a, b) => b.length - a.length);
  // One pass, so the replacement text itself is never searched for a shorter value.
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return output.replace(pattern, REDACTED_SECRET_VALUE);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
