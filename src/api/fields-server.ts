/**
 * Known fields of what only the HTTP API accepts: the status subresources of CronJob, Job and Pod,
 * and whole Pods and Events. Manifests never carry these, so `kinds.ts` does not serve them.
 */
import { objectMetaSchema } from './fields.js';
import { podSpecSchema } from './fields-pod.js';
import { anyObject, bool, int32, listOf, str, stringList, struct } from './schema.js';
import type { FieldSchema } from './schema.js';

const objectReference = struct({
  kind: str,
  namespace: str,
  name: str,
  uid: str,
  apiVersion: str,
  resourceVersion: str,
  fieldPath: str,
});

const condition = struct({
  type: str,
  status: str,
  reason: str,
  message: str,
  lastProbeTime: str,
  lastTransitionTime: str,
});

const containerState = struct({
  waiting: struct({ reason: str, message: str }),
  running: struct({ startedAt: str }),
  terminated: struct({
    exitCode: int32,
    signal: int32,
    reason: str,
    message: str,
    startedAt: str,
    finishedAt: str,
    containerID: str,
  }),
});

const containerStatus = struct({
  name: str,
  state: containerState,
  lastState: containerState,
  ready: bool,
  started: bool,
  restartCount: int32,
  image: str,
  imageID: str,
  containerID: str,
});

export const cronJobStatusSchema = struct({
  active: listOf(objectReference),
  lastScheduleTime: str,
  lastSuccessfulTime: str,
});

export const jobStatusSchema = struct({
  conditions: listOf(condition),
  startTime: str,
  completionTime: str,
  active: int32,
  succeeded: int32,
  failed: int32,
  terminating: int32,
  ready: int32,
  completedIndexes: str,
  failedIndexes: str,
  uncountedTerminatedPods: struct({ succeeded: stringList, failed: stringList }),
});

/** core/v1 PodStatus, plus `heartbeatTime`, the last heartbeat of the worker running the attempt. */
export const podStatusSchema = struct({
  phase: str,
  conditions: listOf(condition),
  message: str,
  reason: str,
  nodeName: str,
  hostIP: str,
  podIP: str,
  startTime: str,
  heartbeatTime: str,
  initContainerStatuses: listOf(containerStatus),
  containerStatuses: listOf(containerStatus),
  qosClass: str,
});

/** The status of a Pod is set by the server on create and through `/status` afterwards. */
export const podSchema = struct({
  apiVersion: str,
  kind: str,
  metadata: objectMetaSchema,
  spec: podSpecSchema,
  status: anyObject,
});

export const eventSchema = struct({
  apiVersion: str,
  kind: str,
  metadata: objectMetaSchema,
  involvedObject: objectReference,
  reason: str,
  message: str,
  source: struct({ component: str, host: str }),
  firstTimestamp: str,
  lastTimestamp: str,
  count: int32,
  type: str,
  eventTime: str,
  series: struct({ count: int32, lastObservedTime: str }),
  action: str,
  related: objectReference,
  reportingComponent: str,
  reportingInstance: str,
});

/** The schema of `status` for each kind with a `/status` subresource. */
export const statusSchemas: Readonly<Record<'CronJob' | 'Job' | 'Pod', FieldSchema>> = {
  CronJob: cronJobStatusSchema,
  Job: jobStatusSchema,
  Pod: podStatusSchema,
};
