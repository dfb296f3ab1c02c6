import type { CronJob, Job, Pod } from '../api/types.js';
import type { Store } from '../store/store.js';
import { Informer } from './informer.js';

/**
 * The informers the controllers share, one per kind they read, so that each kind is listed
 * and held in memory once however many controllers read it. Events and the other kinds have no
 * informer: no controller reconciles them.
 */
export class SharedInformers {
  readonly cronJobs: Informer<CronJob>;
  readonly jobs: Informer<Job>;
  readonly pods: Informer<Pod>;
  private starting: Promise<void> | undefined;

  constructor(store: Store) {
    this.cronJobs = new Informer<CronJob>(store, 'CronJob');
    this.jobs = new Informer<Job>(store, 'Job');
    this.pods = new Informer<Pod>(store, 'Pod');
  }

  /** Lists every kind once and starts watching; later calls return the first call's promise. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      // One kind after the other, so that only one full list is being parsed at a time.
      await this.cronJobs.start();
      await this.jobs.start();
      await this.pods.start();
    })();
    return this.starting;
  }

  stop(): void {
    this.cronJobs.stop();
    this.jobs.stop();
    this.pods.stop();
  }
}
