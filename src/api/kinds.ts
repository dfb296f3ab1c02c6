/**
 * The apiVersion/kind pairs cronmesh accepts in manifests, and what to tell users who send
 * something else (for example a CronJob in the removed `batch/v1beta1`).
 */
import { schemasByKind } from './fields.js';
import type { FieldSchema } from './schema.js';

export type ManifestKind = 'CronJob' | 'Job' | 'ConfigMap' | 'Secret';

export interface ServedKind {
  apiVersion: 'batch/v1' | 'v1';
  kind: ManifestKind;
  schema: FieldSchema;
}

const served: readonly ServedKind[] = [
  { apiVersion: 'batch/v1', kind: 'CronJob', schema: schemasByKind.CronJob },
  { apiVersion: 'batch/v1', kind: 'Job', schema: schemasByKind.Job },
  { apiVersion: 'v1', kind: 'ConfigMap', schema: schemasByKind.ConfigMap },
  { apiVersion: 'v1', kind: 'Secret', schema: schemasByKind.Secret },
];

const servedSummary =
  'cronmesh serves CronJob and Job in apiVersion batch/v1, ConfigMap and Secret in apiVersion v1';

/** Returns the served kind for an exact (case-sensitive) apiVersion and kind, as Kubernetes matches them. */
export function findServedKind(apiVersion: string, kind: string): ServedKind | undefined {
  return served.find((entry) => entry.apiVersion === apiVersion && entry.kind === kind);
}

/**
 * Returns the advice for an apiVersion/kind pair that is not served, e.g. `use apiVersion batch/v1`
 * for a `batch/v1beta1` CronJob (that version was removed in Kubernetes 1.25).
 */
export function describeKindMismatch(apiVersion: string, kind: string): string {
  const sameKind = served.find((entry) => entry.kind === kind);
  if (sameKind) return `use apiVersion ${sameKind.apiVersion}`;

  const otherCase = served.find((entry) => entry.kind.toLowerCase() === kind.toLowerCase());
  if (otherCase) {
    return `kinds are case-sensitive: use kind ${otherCase.kind} with apiVersion ${otherCase.apiVersion}`;
  }
  return servedSummary;
}
