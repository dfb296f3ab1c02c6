import { stringify } from 'yaml';
import type { AnyResource } from '../../api/types.js';
import { findResource, qualifiedSingular } from '../../server/kinds.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

const formats: readonly OutputFormat[] = ['wide', 'json', 'yaml', 'name'];

/** Parses `-o`; undefined means the default table. Returns undefined for an unknown format. */
export function parseOutputFormat(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return 'table';
  return formats.find((format) => format === value);
}

/** kubectl's `-o json`: four-space indentation, one trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

/** kubectl's `-o yaml`: keys sorted, sequences not indented under their key, no line folding. */
export function toYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}

/** Wraps objects in the List that kubectl prints for `-o json|yaml`. */
export function toList(items: readonly AnyResource[]): object {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** Returns the `-o name` form: `cronjob.batch/hello`, `pod/hello-abcde`. */
export function resourceName(object: AnyResource): string {
  const info = findResource(object.kind);
  const prefix = info === undefined ? object.kind.toLowerCase() : qualifiedSingular(info);
  return `${prefix}/${object.metadata.name}`;
}
