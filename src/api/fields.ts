/**
 * Known fields of the resources cronmesh accepts in manifests: batch/v1 CronJob and Job, v1
 * ConfigMap and Secret, and the ObjectMeta they share. Pod fields live in `fields-pod.ts`.
 */
import { labelSelectorSchema, podSpecSchema } from './fields-pod.js';
import {
  anyObject,
  bool,
  int32,
  int64,
  listOf,
  str,
  stringList,
  stringMap,
  struct,
  type FieldSchema,
} from './schema.js';

const ownerReference = struct({
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool,
  blockOwnerDeletion: bool,
});

export const objectMetaSchema = struct({
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: int64,
  creationTimestamp: str,
  deletionTimestamp: str,
  deletionGracePeriodSeconds: int64,
  labels: stringMap,
  annotations: stringMap,
  ownerReferences: listOf(ownerReference),
  finalizers: stringList,
  managedFields: listOf(anyObject),
});

export const podTemplateSpecSchema = struct({ metadata: objectMetaSchema, spec: podSpecSchema });

const podFailurePolicy = struct({
  rules: listOf(
    struct({
      action: str,
      onExitCodes: struct({ containerName: str, operator: str, values: listOf(int32) }),
      onPodConditions: listOf(struct({ type: str, status: str })),
    }),
  ),
});

export const jobSpecSchema = struct({
  parallelism: int32,
  completions: int32,
  activeDeadlineSeconds: int64,
  podFailurePolicy,
  successPolicy: struct({
    rules: listOf(struct({ succeededIndexes: str, succeededCount: int32 })),
  }),
  backoffLimit: int32,
  backoffLimitPerIndex: int32,
  maxFailedIndexes: int32,
  selector: labelSelectorSchema,
  manualSelector: bool,
  template: podTemplateSpecSchema,
  ttlSecondsAfterFinished: int32,
  completionMode: str,
  suspend: bool,
  podReplacementPolicy: str,
  managedBy: str,
});

const cronJobSpecSchema = struct({
  schedule: str,
  timeZone: str,
  startingDeadlineSeconds: int64,
  concurrencyPolicy: str,
  suspend: bool,
  jobTemplate: struct({ metadata: objectMetaSchema, spec: jobSpecSchema }),
  successfulJobsHistoryLimit: int32,
  failedJobsHistoryLimit: int32,
});

// Manifests copied from a cluster may carry the status that controllers wrote. The API ignores
// it on create, so its content is not checked.
export const cronJobSchema = struct({
  apiVersion: str,
  kind: str,
  metadata: objectMetaSchema,
  spec: cronJobSpecSchema,
  status: anyObject,
});

export const jobSchema = struct({
  apiVersion: str,
  kind: str,
  metadata: objectMetaSchema,
  spec: jobSpecSchema,
  status: anyObject,
});

export const configMapSchema = struct({
  apiVersion: str,
  kind: str,
  metadata: objectMetaSchema,
  data: stringMap,
  binaryData: stringMap,
  immutable: bool,
});

export const secretSchema = struct({
  apiVersion: str,
  kind: str,
  metadata: objectMetaSchema,
  type: str,
  data: stringMap,
  stringData: stringMap,
  immutable: bool,
});

export const schemasByKind: Readonly<
  Record<'CronJob' | 'Job' | 'ConfigMap' | 'Secret', FieldSchema>
> = {
  CronJob: cronJobSchema,
  Job: jobSchema,
  ConfigMap: configMapSchema,
  Secret: secretSchema,
};
