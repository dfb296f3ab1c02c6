import { Counter, Gauge, Histogram, exponentialBuckets } from 'prom-client';
import type { Registry } from 'prom-client';
import type { WorkQueueObserver } from '../../util/metrics.js';

/** The client-go work queue metrics that Kubernetes controllers export, labelled by queue name. */
export class WorkQueueMetrics {
  private readonly depth: Gauge<'name'>;
  private readonly adds: Counter<'name'>;
  private readonly retries: Counter<'name'>;
  private readonly workDuration: Histogram<'name'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Keys waiting in the work queue for a free reconcile slot.',
      labelNames: ['name'],
      registers,
    });
    this.adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Keys added to the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Keys queued again after a failed reconcile.',
      labelNames: ['name'],
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'Seconds one reconcile of a work queue key took.',
      labelNames: ['name'],
      // client-go's buckets: 10 ns to 10 s in powers of ten.
      buckets: exponentialBuckets(1e-8, 10, 10),
      registers,
    });
  }

  observerFor(name: string): WorkQueueObserver {
    const labels = { name };
    this.depth.set(labels, 0);
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    return {
      added: () => this.adds.inc(labels),
      retried: () => this.retries.inc(labels),
      processed: (seconds) => this.workDuration.observe(labels, seconds),
      depthChanged: (depth) => this.depth.set(labels, depth),
    };
  }
}
