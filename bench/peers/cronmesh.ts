// cronmesh on the local PostgreSQL as a peers subject: `cronmesh serve` (API and controllers,
// no embedded worker) and `cronmesh worker` processes, started from the built CLI. Throughput
// counts Jobs created through the store and run to a succeeded attempt. Lateness counts the
// creation of each CronJob's Job, and separately the claim of its attempt by a worker.

import { readPackageVersion } from '../../src/cli/version.js';
import { runCronmeshLateness } from './cronmesh-lateness.js';
import type { CronmeshClusterShape } from './cronmesh-throughput.js';
import { NOOP_COMMAND, runCronmeshThroughput } from './cronmesh-throughput.js';
import type { SchedulerSubject } from './subject.js';

/** The worker processes and concurrency of the peers rows. */
export const CRONMESH_PEER_SHAPE: CronmeshClusterShape = { workers: 2, concurrency: 8 };
/** Each Job is several store writes and a process, so 20,000 take minutes, not seconds. */
const THROUGHPUT_TIME_LIMIT_MS = 600_000;

function describeShape(shape: CronmeshClusterShape): string {
  const workers =
    shape.workers === 1 ? '1 `cronmesh worker`' : `${shape.workers} \`cronmesh worker\``;
  return `${workers} --concurrency ${shape.concurrency}, 1 \`cronmesh serve\` --worker-concurrency 0`;
}

export const cronmesh: SchedulerSubject = {
  system: 'cronmesh',
  label: `cronmesh ${readPackageVersion()} (PostgreSQL)`,
  throughput: {
    settings:
      `${describeShape(CRONMESH_PEER_SHAPE)}; Jobs running ${NOOP_COMMAND} created through ` +
      'the store, rate of attempts succeeded',
    timeLimitMs: THROUGHPUT_TIME_LIMIT_MS,
    run: (jobCount, timeLimitMs) =>
      runCronmeshThroughput(CRONMESH_PEER_SHAPE, jobCount, timeLimitMs),
  },
  lateness: {
    settings:
      `N CronJobs \`* * * * *\` running ${NOOP_COMMAND}, ${describeShape(CRONMESH_PEER_SHAPE)}; ` +
      'Job creation minus scheduled instant',
    run: (scheduleCount, timeLimitMs) =>
      runCronmeshLateness(CRONMESH_PEER_SHAPE, scheduleCount, timeLimitMs),
  },
};
