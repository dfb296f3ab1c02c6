import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CronJob, Job } from '../../api/types.js';
import type { DstPolicy } from '../../schedule/index.js';
import type { Store } from '../../store/store.js';
import type {
  CronJobKey,
  JobOutcome,
  SchedulerMetrics,
  WorkQueueObserver,
} from '../../util/metrics.js';
import { GaugeFamily } from './gauge-family.js';
import { JobMetrics } from './job-metrics.js';
import { defineCronJobGauges, setCronJobGauges } from './kube-state-cronjob.js';
import { defineJobGauges, setJobGauges } from './kube-state-job.js';
import { TimedStore } from './store-timing.js';
import { WorkQueueMetrics } from './workqueue-metrics.js';

export interface MetricsOptions {
  /** The store the kube-state gauges are read from; wrapped to time its calls. */
  store: Store;
  /** The DST policy of CronJobs without the policy annotation, as the controller uses it. */
  defaultDstPolicy: DstPolicy;
  version: string;
}

/** A worker's slot counts, read at each scrape. */
export interface WorkerSlots {
  readonly busy: number;
  readonly concurrency: number;
}

/**
 * Every metric cronmesh exports, in one prom-client Registry: the job metrics, kube-state-metrics
 * gauges for CronJobs and Jobs, work queues, worker slots, store latency and Node process metrics.
 * Controllers and workers report to it through the SchedulerMetrics interface, and `render`
 * produces the Prometheus text format.
 */
export class CronmeshMetrics implements SchedulerMetrics {
  readonly registry = new Registry();
  /** The store to hand to everything else, so its calls are timed. */
  readonly store: Store;
  private readonly jobs: JobMetrics;
  private readonly workQueues: WorkQueueMetrics;
  private readonly kubeState: GaugeFamily;
  private readonly workers: WorkerSlots[] = [];
  private rendering: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: MetricsOptions) {
    this.store = new TimedStore(options.store, this.registry);
    this.jobs = new JobMetrics(this.registry);
    this.workQueues = new WorkQueueMetrics(this.registry);
    this.kubeState = new GaugeFamily(this.registry);
    defineCronJobGauges(this.kubeState);
    defineJobGauges(this.kubeState);
    collectDefaultMetrics({ register: this.registry });

    const workers = this.workers;
    new Gauge({
      name: 'cronmesh_worker_slots',
      help: 'Attempt slots of the workers in this process, by state (busy or free).',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const busy = workers.reduce((sum, worker) => sum + worker.busy, 0);
        const capacity = workers.reduce((sum, worker) => sum + worker.concurrency, 0);
        this.set({ state: 'busy' }, busy);
        this.set({ state: 'free' }, Math.max(0, capacity - busy));
      },
    });
    new Gauge({
      name: 'cronmesh_build_info',
      help: 'The cronmesh version, as a label of a series that is always 1.',
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version: options.version }, 1);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  jobCreated(_cronJob: CronJobKey, skewSeconds: number): void {
    this.jobs.jobCreated(skewSeconds);
  }

  jobFinished(cronJob: CronJobKey, outcome: JobOutcome, durationSeconds: number): void {
    this.jobs.jobFinished(cronJob, outcome, durationSeconds);
  }

  attemptStarted(cronJob: CronJobKey, delaySeconds: number): void {
    this.jobs.attemptStarted(cronJob, delaySeconds);
  }

  workQueue(name: string): WorkQueueObserver {
    return this.workQueues.observerFor(name);
  }

  /** Counts `worker`'s slots in cronmesh_worker_slots from now on. */
  trackWorker(worker: WorkerSlots): void {
    this.workers.push(worker);
  }

  /**
   * Rebuilds the gauges derived from stored CronJobs and Jobs, then renders every metric.
   * Scrapes are serialised, because each one resets and refills the same gauges.
   */
  render(): Promise<string> {
    const next = this.rendering.then(async () => {
      await this.refreshFromStore();
      return this.registry.metrics();
    });
    this.rendering = next.catch(() => undefined);
    return next;
  }

  private async refreshFromStore(): Promise<void> {
    const cronJobs = await this.options.store.list<CronJob>('CronJob');
    const jobs = await this.options.store.list<Job>('Job');
    this.kubeState.reset();
    for (const cronJob of cronJobs) {
      setCronJobGauges(this.kubeState, cronJob, this.options.defaultDstPolicy);
    }
    for (const job of jobs) setJobGauges(this.kubeState, job);
    await this.jobs.retain(
      cronJobs.map((cronJob) => ({
        namespace: cronJob.metadata.namespace ?? 'default',
        name: cronJob.metadata.name,
        active: cronJob.status?.active?.length ?? 0,
      })),
    );
  }
}
