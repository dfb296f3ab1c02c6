// Records the simultaneous fire from a Store watch on Jobs: the lag of each Job's creation and
// which Jobs completed. The watch runs inside Store.create right after the commit, so the clock
// read there is the instant the Job was stored.

import { writeSync } from 'node:fs';

import type { Job } from '../../src/api/types.js';
import type { WatchEvent } from '../../src/store/store.js';
import type { Clock } from '../../src/util/clock.js';
import { SIMULTANEOUS_PREFIX } from './fire-lag-plan.js';

/** Progress lines start with this, followed by a FireLagProgress as JSON. */
export const PROGRESS_PREFIX = 'fire-lag progress ';
const PROGRESS_EVERY_EVENTS = 500;

/** How far a run got, as its last progress line reports it. */
export interface FireLagProgress {
  created: number;
  completed: number;
  /** Milliseconds since the fire. */
  sinceFireMs: number;
}

export class FireLagRecorder {
  /** Job creation instant minus the scheduled instant, per created Job, in ms. */
  readonly creationLagMs: number[] = [];
  private readonly completedNames = new Set<string>();
  private readonly jobSuffix: string;
  private lastCreatedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly targetAt: number,
  ) {
    // Job names end with the scheduled time in whole minutes.
    this.jobSuffix = `-${Math.floor(targetAt / 60_000)}`;
    this.lastCreatedAt = targetAt;
  }

  get created(): number {
    return this.creationLagMs.length;
  }

  get completed(): number {
    return this.completedNames.size;
  }

  /** Seconds from the fire to the last Job created so far. */
  get creationSpanSeconds(): number {
    return (this.lastCreatedAt - this.targetAt) / 1000;
  }

  /** Records one Store watch event; Jobs outside the simultaneous fire are ignored. */
  observe(event: WatchEvent): void {
    const name = event.object.metadata.name;
    if (!name.startsWith(SIMULTANEOUS_PREFIX) || !name.endsWith(this.jobSuffix)) return;
    if (event.type === 'ADDED') {
      this.lastCreatedAt = this.clock.now();
      this.creationLagMs.push(this.lastCreatedAt - this.targetAt);
      if (this.created % PROGRESS_EVERY_EVENTS === 0) this.writeProgress();
    } else if (event.type === 'MODIFIED' && isComplete(event.object as Job)) {
      const before = this.completed;
      this.completedNames.add(name);
      if (this.completed !== before && this.completed % PROGRESS_EVERY_EVENTS === 0) {
        this.writeProgress();
      }
    }
  }

  /**
   * Writes a progress line to stderr. The write is synchronous, so the line gets out even while
   * the event loop runs no timers, and the parent learns how far a run got before it was killed.
   */
  writeProgress(): void {
    const progress: FireLagProgress = {
      created: this.created,
      completed: this.completed,
      sinceFireMs: this.clock.now() - this.targetAt,
    };
    writeSync(2, `${PROGRESS_PREFIX}${JSON.stringify(progress)}\n`);
  }
}

function isComplete(job: Job): boolean {
  return (job.status?.conditions ?? []).some(
    (condition) => condition.type === 'Complete' && condition.status === 'True',
  );
}
