import type { LabelRequirement } from '../api/selector.js';
import type { Labels } from '../api/types.js';

/**
 * Returns whether `labels` satisfy every requirement, with the semantics of Kubernetes label
 * selectors: `In` needs the key with one of the values, `NotIn` matches a missing key or a value
 * outside the list, `Exists` and `DoesNotExist` test only the key. An empty selector matches
 * every object.
 */
export function matchesLabelSelector(
  labels: Labels | undefined,
  requirements: readonly LabelRequirement[],
): boolean {
  return requirements.every((requirement) => matchesRequirement(labels ?? {}, requirement));
}

function matchesRequirement(labels: Labels, requirement: LabelRequirement): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'In':
      return present && value !== undefined && requirement.values.includes(value);
    case 'NotIn':
      return !present || value === undefined || !requirement.values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
  }
}
