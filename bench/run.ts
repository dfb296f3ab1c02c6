// The benchmark: `npm run bench` builds and runs this file. By default it checks every schedule
// library against robfig/cron v3.0.1, times next-fire computations, measures heap per compiled
// schedule and fuzzes the parser, then prints compact tables. `--only speed|memory|fuzz` runs one
// of those parts. The scale parts run only when named, because they take minutes and need the
// local Redis and PostgreSQL: `--only executor` (ProcessExecutor against raw spawn), `--only
// fire-lag` (100,000 CronJobs on SQLite), `--only peers` (cronmesh on PostgreSQL, BullMQ,
// pg-boss, graphile-worker; `--peers cronmesh,pg-boss` after it runs only those systems) and
// `--only workers` (cronmesh on PostgreSQL with 1, 2 and 4 worker processes).
// The exit code is 1 when cronmesh disagrees with robfig on the corpus or misses the memory,
// executor, fire-lag or RSS target. It is 1 too when a peer scenario fails to run, when a
// worker-scaling run fails or hits its time limit, or when the fuzz finds a crash, a hang or a
// wrong result or stops at its time budget.

import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

import { buildCorpus } from './corpus.js';
import { checkAgainstRobfig } from './correctness.js';
import type { CorrectnessReport } from './correctness.js';
import { DEFAULT_FUZZ_OPTIONS, formatFuzzReport, runFuzz } from './fuzz-parser.js';
import { LIBRARIES } from './libraries.js';
import { measureMemory } from './memory.js';
import { reportSpeed } from './speed-report.js';
import { PEER_SUBJECTS, runPeersPart, selectPeerSubjects } from './peers/run-peers.js';
import type { SchedulerSubject } from './peers/subject.js';
import { runWorkerScalingPart } from './peers/worker-scaling.js';
import { EXECUTOR_TARGET_SHARE, runExecutorPart } from './scale/executor-report.js';
import { runFireLagPart } from './scale/fire-lag-report.js';
import { formatCount, formatPercent, formatRatio, formatTable } from './table.js';

const DEFAULT_PARTS = ['speed', 'memory', 'fuzz'] as const;
const PARTS = [...DEFAULT_PARTS, 'executor', 'fire-lag', 'peers', 'workers'] as const;
type Part = (typeof PARTS)[number];

const MEMORY_SCHEDULES = 100_000;
const MEMORY_PILOT_SCHEDULES = 1_000;
// Largest heap growth a main memory run may cause.
const MEMORY_BUDGET_BYTES = 512 * 1024 * 1024;
const MEMORY_TARGET_BYTES = 256;

interface Options {
  parts: readonly Part[];
  /** Peer systems from `--peers`, or undefined to run every peer. */
  peers: readonly string[] | undefined;
}

const USAGE = `expected none, --only ${PARTS.join('|')}, or --only peers --peers NAME[,NAME...]`;

function parseOptions(argv: readonly string[]): Options {
  if (argv.length === 0) return { parts: DEFAULT_PARTS, peers: undefined };
  const [flag, value, peersFlag, peersValue] = argv;
  const part = PARTS.find((candidate) => candidate === value);
  const hasPeers = argv.length === 4 && part === 'peers' && peersFlag === '--peers';
  if (flag !== '--only' || part === undefined || (argv.length !== 2 && !hasPeers)) {
    throw new RangeError(`invalid arguments ${JSON.stringify(argv.join(' '))}: ${USAGE}`);
  }
  if (!hasPeers) return { parts: [part], peers: undefined };
  const peers = (peersValue ?? '').split(',').filter((name) => name !== '');
  if (peers.length === 0) {
    throw new RangeError(`invalid --peers ${JSON.stringify(peersValue)}: ${USAGE}`);
  }
  return { parts: [part], peers };
}

function describeMachine(): string {
  // /proc/cpuinfo exists only on Linux. Elsewhere os.cpus() names the model.
  const cpuInfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuInfo)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  return `${availableParallelism()} CPUs (${model}), Node ${process.version}, ${process.platform}-${process.arch}`;
}

// Other processes on the machine slow every measurement, so the output records the load.
function formatLoad(): string {
  const [oneMinute = 0, fiveMinutes = 0] = loadavg();
  return `${oneMinute.toFixed(2)} (1 min), ${fiveMinutes.toFixed(2)} (5 min)`;
}

function printCorrectness(report: CorrectnessReport, entryCount: number): void {
  console.log(
    `\n## Agreement with robfig/cron v3.0.1 (${entryCount} entries, 5 fire times each)\n`,
  );
  const rows = report.libraries.map((agreement) => {
    const library = LIBRARIES.find((candidate) => candidate.name === agreement.library);
    const groups = [...agreement.disagreementsByStart]
      .sort((a, b) => b[1] - a[1])
      .map(([note, count]) => `${note} ${count}`)
      .join(', ');
    return [
      `${agreement.library} ${library?.version ?? ''}`,
      `${agreement.agreeCount}/${entryCount}`,
      formatPercent(agreement.agreeCount / entryCount),
      String(agreement.rejectedCount),
      groups === '' ? '-' : groups,
    ];
  });
  console.log(formatTable(['library', 'agree', 'share', 'threw', 'disagreements by start'], rows));
  if (report.oracleMissing.length > 0) {
    console.log(`robfig gave no times for ${report.oracleMissing.length} entries:`);
    for (const line of report.oracleMissing.slice(0, 5)) console.log(`  ${line}`);
  }
  for (const agreement of report.libraries) {
    for (const sample of agreement.samples) console.log(`  ${agreement.library}: ${sample}`);
  }
  console.log(
    'Settings: ' + LIBRARIES.map((library) => `${library.name}: ${library.settings}`).join('; '),
  );
}

async function runMemory(): Promise<boolean> {
  console.log(
    `\n## Heap per compiled schedule (up to ${formatCount(MEMORY_SCHEDULES)} schedules kept alive)\n`,
  );
  const rows: string[][] = [];
  let cronmeshBytes = Number.NaN;
  for (const library of LIBRARIES) {
    // A pilot run sizes the main one, because some libraries take tens of kilobytes per
    // schedule, and 100,000 of those would not fit in the default heap.
    const pilot = await measureMemory(library.name, MEMORY_PILOT_SCHEDULES);
    const pilotBytes = Math.max(1, pilot.heapUsedBytes / pilot.count);
    const count = Math.min(MEMORY_SCHEDULES, Math.floor(MEMORY_BUDGET_BYTES / pilotBytes));
    const sample = await measureMemory(library.name, count);
    const perSchedule = sample.heapUsedBytes / sample.count;
    if (library.name === 'cronmesh') cronmeshBytes = perSchedule;
    rows.push([
      library.name,
      formatCount(sample.count),
      formatCount(perSchedule),
      formatCount(sample.externalBytes / sample.count),
      library.name === 'cronmesh' ? '-' : formatRatio(perSchedule / cronmeshBytes),
    ]);
  }
  console.log(
    formatTable(
      ['library', 'schedules', 'heap B/schedule', 'external B/schedule', '÷ cronmesh'],
      rows,
    ),
  );
  const met = cronmeshBytes <= MEMORY_TARGET_BYTES;
  console.log(
    `cronmesh target ≤ ${MEMORY_TARGET_BYTES} B: ${met ? 'met' : 'NOT met'} (${formatCount(cronmeshBytes)} B)`,
  );
  return met;
}

async function main(): Promise<void> {
  let parts: readonly Part[];
  let peerSubjects: readonly SchedulerSubject[];
  try {
    const options = parseOptions(process.argv.slice(2));
    parts = options.parts;
    peerSubjects = options.peers === undefined ? PEER_SUBJECTS : selectPeerSubjects(options.peers);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
    return;
  }
  console.log(`# cronmesh benchmark (${parts.join(', ')}), ${new Date().toISOString()}`);
  console.log(describeMachine());
  console.log(`Load average at start: ${formatLoad()}`);
  let failed = false;

  if (parts.includes('speed')) {
    const corpus = buildCorpus();
    const correctness = await checkAgainstRobfig(corpus, LIBRARIES);
    printCorrectness(correctness, corpus.length);
    const cronmeshAgreement = correctness.libraries.find((entry) => entry.library === 'cronmesh');
    if (cronmeshAgreement?.agreeCount !== corpus.length) failed = true;
    reportSpeed(corpus, correctness);
  }

  if (parts.includes('memory')) {
    if (!(await runMemory())) failed = true;
  }

  if (parts.includes('fuzz')) {
    console.log(`\n## Parser fuzz\n`);
    const report = await runFuzz(DEFAULT_FUZZ_OPTIONS);
    console.log(formatFuzzReport(report));
    const { counts } = report;
    if (counts.crashes + counts.hangs + counts.wrongResults > 0 || report.stoppedByTime)
      failed = true;
  }

  if (parts.includes('executor')) {
    const rows = await runExecutorPart();
    if (rows.some((row) => row.share < EXECUTOR_TARGET_SHARE)) failed = true;
  }

  if (parts.includes('fire-lag')) {
    if (!(await runFireLagPart())) failed = true;
  }

  if (parts.includes('peers')) {
    if (!(await runPeersPart(peerSubjects))) failed = true;
  }

  if (parts.includes('workers')) {
    if (!(await runWorkerScalingPart())) failed = true;
  }

  console.log(`\nLoad average at end: ${formatLoad()}`);
  if (failed) process.exitCode = 1;
}

/** Time after the report in which the process should have ended by itself. */
const EXIT_GRACE_MS = 10_000;

await main();

// A library under test can leave a socket or a timer open, which would keep the process alive
// after the report. The timer is unref'd, so it runs only in that case, and it names the open
// resources before it ends the process.
setTimeout(() => {
  const open = process.getActiveResourcesInfo().join(', ');
  console.error(`bench: still running ${EXIT_GRACE_MS} ms after the report (open: ${open})`);
  process.exit();
}, EXIT_GRACE_MS).unref();
