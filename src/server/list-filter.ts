import type { LabelRequirement } from '../api/selector.js';
import { matchesSelector, parseLabelSelector } from '../api/index.js';
import type { AnyResource } from '../api/types.js';
import type { FieldRequirement } from './field-selector.js';
import { matchesFieldSelector, parseFieldSelector } from './field-selector.js';
import type { ResourceInfo } from './kinds.js';
import { badRequest } from './status.js';

/** The query parameters of a list or watch request. */
export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  watch?: string;
}

/** The selection of objects a list or watch returns. */
export interface ObjectFilter {
  /** Undefined for the all-namespaces paths. */
  namespace?: string;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

/** Parses the selectors of a list request. Throws a BadRequest StatusError for invalid ones. */
export function parseListFilter(
  info: ResourceInfo,
  namespace: string | undefined,
  query: ListQuery,
): ObjectFilter {
  let labels: LabelRequirement[] = [];
  if (query.labelSelector !== undefined) {
    try {
      labels = parseLabelSelector(query.labelSelector);
    } catch (error) {
      throw badRequest(`invalid labelSelector: ${(error as Error).message}`);
    }
  }
  const fields = parseFieldSelector(info.kind, query.fieldSelector ?? '');
  const filter: ObjectFilter = { labels, fields };
  if (namespace !== undefined) filter.namespace = namespace;
  return filter;
}

export function matchesFilter(object: AnyResource, filter: ObjectFilter): boolean {
  if (filter.namespace !== undefined && object.metadata.namespace !== filter.namespace)
    return false;
  if (!matchesSelector(object.metadata.labels ?? {}, filter.labels)) return false;
  return matchesFieldSelector(object, filter.fields);
}

/** Returns whether the `watch` query parameter requests a watch (`true` or `1`, as in Kubernetes). */
export function isWatchRequest(query: ListQuery): boolean {
  return query.watch === 'true' || query.watch === '1';
}
