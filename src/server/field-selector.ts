import type { AnyResource, ResourceKind } from '../api/types.js';
import { badRequest } from './status.js';

/** One term of a Kubernetes field selector such as `metadata.name=hello`. */
export interface FieldRequirement {
  path: string;
  operator: '=' | '!=';
  value: string;
}

const commonFields = ['metadata.name', 'metadata.namespace'];

/** Field paths each kind can be selected by, a subset of those the Kubernetes API serves. */
const selectableFields: Record<ResourceKind, readonly string[]> = {
  CronJob: commonFields,
  Job: commonFields,
  Pod: [...commonFields, 'spec.nodeName', 'status.phase'],
  ConfigMap: commonFields,
  Secret: [...commonFields, 'type'],
  Event: [
    ...commonFields,
    'involvedObject.kind',
    'involvedObject.name',
    'involvedObject.namespace',
    'involvedObject.uid',
    'reason',
    'type',
  ],
};

/**
 * Parses a field selector such as `a=b,c!=d`, where `==` is the same as `=`. Throws a BadRequest
 * StatusError for a malformed term or a field the kind cannot be selected by.
 */
export function parseFieldSelector(kind: ResourceKind, text: string): FieldRequirement[] {
  if (text.trim() === '') return [];

  const supported = selectableFields[kind];
  return text.split(',').map((term) => {
    const match = /^\s*([A-Za-z.]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (match === null) {
      throw badRequest(
        `invalid field selector term ${JSON.stringify(term)}: expected <field>=<value> or <field>!=<value>`,
      );
    }
    const [, path = '', operator = '=', value = ''] = match;
    if (!supported.includes(path)) {
      const names = supported.map((name) => JSON.stringify(name)).join(', ');
      throw badRequest(`${JSON.stringify(path)} is not a known field selector: only ${names}`);
    }
    return { path, operator: operator === '!=' ? '!=' : '=', value };
  });
}

/** Returns whether `object` satisfies every requirement. A missing field compares as `""`. */
export function matchesFieldSelector(
  object: AnyResource,
  requirements: readonly FieldRequirement[],
): boolean {
  return requirements.every((requirement) => {
    const actual = readField(object, requirement.path);
    return requirement.operator === '='
      ? actual === requirement.value
      : actual !== requirement.value;
  });
}

function readField(object: AnyResource, path: string): string {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return '';
    current = (current as Record<string, unknown>)[part];
  }
  return typeof current === 'string' ? current : '';
}
