import type {
  AnyResource,
  ConfigMap,
  Container,
  CronJob,
  Event,
  Job,
  Pod,
  ResourceKind,
  Secret,
} from '../../api/types.js';
import { ageSince, humanDuration } from './age.js';
import { formatLabelSelector } from './selector.js';
import { jobCompletionsText, jobStatusText, summarizePod } from './status.js';

/** The columns `kubectl get` prints for one kind, plain and with `-o wide`. */
export interface KindColumns {
  headers: readonly string[];
  wideHeaders: readonly string[];
  cells(object: AnyResource, now: number): string[];
  wideCells(object: AnyResource, now: number): string[];
}

function containerCells(containers: readonly Container[]): string[] {
  const names = containers.map((container) => container.name).join(',');
  const images = containers.map((container) => container.image ?? '').join(',');
  return [names, images];
}

/** Formats an optional boolean as kubectl's `printBoolPtr` does. */
export function formatOptionalBool(value: boolean | undefined): string {
  if (value === undefined) return '<unset>';
  return value ? 'True' : 'False';
}

function age(object: AnyResource, now: number): string {
  return ageSince(object.metadata.creationTimestamp, now);
}

const cronJobColumns: KindColumns = {
  headers: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  cells(object, now) {
    const cronJob = object as CronJob;
    const suspend = cronJob.spec.suspend;
    return [
      cronJob.metadata.name,
      cronJob.spec.schedule,
      cronJob.spec.timeZone ?? '<none>',
      formatOptionalBool(suspend),
      String(cronJob.status?.active?.length ?? 0),
      ageSince(cronJob.status?.lastScheduleTime, now, '<none>'),
      age(cronJob, now),
    ];
  },
  wideCells(object) {
    const jobSpec = (object as CronJob).spec.jobTemplate.spec;
    return [
      ...containerCells(jobSpec.template.spec.containers),
      formatLabelSelector(jobSpec.selector),
    ];
  },
};

const jobColumns: KindColumns = {
  headers: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'],
  wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  cells(object, now) {
    const job = object as Job;
    return [
      job.metadata.name,
      jobStatusText(job),
      jobCompletionsText(job),
      jobDuration(job, now),
      age(job, now),
    ];
  },
  wideCells(object) {
    const job = object as Job;
    return [
      ...containerCells(job.spec.template.spec.containers),
      formatLabelSelector(job.spec.selector),
    ];
  },
};

/** Returns the DURATION column: start to completion, or start to now while running, or `''`. */
export function jobDuration(job: Job, now: number): string {
  const start = job.status?.startTime;
  if (start === undefined) return '';
  const completion = job.status?.completionTime;
  const end = completion === undefined ? now : Date.parse(completion);
  return humanDuration(end - Date.parse(start));
}

const podColumns: KindColumns = {
  headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  wideHeaders: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
  cells(object, now) {
    const pod = object as Pod;
    const summary = summarizePod(pod);
    let restarts = String(summary.restarts);
    if (summary.restarts !== 0 && summary.lastRestart !== undefined) {
      restarts += ` (${humanDuration(now - summary.lastRestart)} ago)`;
    }
    return [pod.metadata.name, summary.ready, summary.status, restarts, age(pod, now)];
  },
  wideCells(object) {
    const pod = object as Pod;
    const node = pod.spec.nodeName ?? pod.status?.nodeName ?? '<none>';
    return ['<none>', node, '<none>', '<none>'];
  },
};

const configMapColumns: KindColumns = {
  headers: ['NAME', 'DATA', 'AGE'],
  wideHeaders: [],
  cells(object, now) {
    const configMap = object as ConfigMap;
    const count =
      Object.keys(configMap.data ?? {}).length + Object.keys(configMap.binaryData ?? {}).length;
    return [configMap.metadata.name, String(count), age(configMap, now)];
  },
  wideCells: () => [],
};

const secretColumns: KindColumns = {
  headers: ['NAME', 'TYPE', 'DATA', 'AGE'],
  wideHeaders: [],
  cells(object, now) {
    const secret = object as Secret;
    const count = Object.keys(secret.data ?? {}).length;
    return [secret.metadata.name, secret.type ?? 'Opaque', String(count), age(secret, now)];
  },
  wideCells: () => [],
};

/** LAST SEEN falls back to the first timestamp, as kubectl's event printer does. */
function eventTimes(event: Event, now: number): { first: string; last: string } {
  const first = ageSince(event.firstTimestamp, now);
  const last = event.lastTimestamp === undefined ? first : ageSince(event.lastTimestamp, now);
  return { first, last };
}

function eventObject(event: Event): string {
  const kind = (event.involvedObject.kind ?? '').toLowerCase();
  const name = event.involvedObject.name ?? '';
  return name === '' ? kind : `${kind}/${name}`;
}

const eventColumns: KindColumns = {
  headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  wideHeaders: [],
  cells(object, now) {
    const event = object as Event;
    return [
      eventTimes(event, now).last,
      event.type,
      event.reason,
      eventObject(event),
      event.message.trim(),
    ];
  },
  wideCells: () => [],
};

/** The `-o wide` columns of events, which insert columns in the middle instead of appending. */
export const wideEventColumns = {
  headers: [
    'LAST SEEN',
    'TYPE',
    'REASON',
    'OBJECT',
    'SUBOBJECT',
    'SOURCE',
    'MESSAGE',
    'FIRST SEEN',
    'COUNT',
    'NAME',
  ],
  cells(object: AnyResource, now: number): string[] {
    const event = object as Event;
    const times = eventTimes(event, now);
    return [
      times.last,
      event.type,
      event.reason,
      eventObject(event),
      '',
      event.source?.component ?? '',
      event.message.trim(),
      times.first,
      String(event.count ?? 1),
      event.metadata.name,
    ];
  },
};

const columnsByKind: Record<ResourceKind, KindColumns> = {
  CronJob: cronJobColumns,
  Job: jobColumns,
  Pod: podColumns,
  ConfigMap: configMapColumns,
  Secret: secretColumns,
  Event: eventColumns,
};

/** Returns the header and the cells of each object, as `kubectl get` lays them out. */
export function tableRows(
  kind: ResourceKind,
  objects: readonly AnyResource[],
  options: { wide: boolean; allNamespaces: boolean; now: number },
): { header: string[]; rows: string[][] } {
  const columns = columnsByKind[kind];
  let header: string[];
  let cellsOf: (object: AnyResource) => string[];

  if (options.wide && kind === 'Event') {
    header = [...wideEventColumns.headers];
    cellsOf = (object) => wideEventColumns.cells(object, options.now);
  } else if (options.wide) {
    header = [...columns.headers, ...columns.wideHeaders];
    cellsOf = (object) => [
      ...columns.cells(object, options.now),
      ...columns.wideCells(object, options.now),
    ];
  } else {
    header = [...columns.headers];
    cellsOf = (object) => columns.cells(object, options.now);
  }

  if (options.allNamespaces) {
    header = ['NAMESPACE', ...header];
    const inner = cellsOf;
    cellsOf = (object) => [object.metadata.namespace ?? '', ...inner(object)];
  }
  return { header, rows: objects.map(cellsOf) };
}
