/**
 * Validation of a Job's `podFailurePolicy`, `successPolicy` and `podReplacementPolicy`, with
 * Kubernetes' field paths and messages.
 */
import {
  duplicate,
  invalid,
  invalidOmitValue,
  required,
  tooLong,
  tooMany,
  unsupported,
  type FieldError,
} from './field-error.js';
import { childPath, keyPath } from './field-path.js';
import { countIndexes, parseIndexIntervals } from './indexes.js';
import { checkQualifiedName } from './names.js';
import type { JobSpec } from './types.js';

interface PodFailurePolicyRule {
  action?: string;
  onExitCodes?: { containerName?: string; operator?: string; values?: number[] };
  onPodConditions?: { type?: string; status?: string }[];
}

interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

// Kubernetes lists supported values sorted.
const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const exitCodeOperators = ['In', 'NotIn'];
const conditionStatuses = ['False', 'True', 'Unknown'];
const replacementPolicies = ['Failed', 'TerminatingOrFailed'];

const maxRules = 20;
const maxExitCodeValues = 255;
const maxConditionPatterns = 20;
const maxSuccessRules = 20;
const maxSucceededIndexesLength = 64 * 1024;

/** Go's `%q` of a string slice, as used in Kubernetes' "valid values" details. */
function quotedList(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;
}

export function validatePodFailurePolicy(spec: JobSpec, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const rules =
    (spec.podFailurePolicy as { rules?: PodFailurePolicyRule[] } | undefined)?.rules ?? [];
  const rulesPath = childPath(path, 'rules');
  if (rules.length > maxRules) errors.push(tooMany(rulesPath, rules.length, maxRules));

  const containerNames = new Set<string>();
  for (const container of [
    ...(spec.template.spec.containers ?? []),
    ...(spec.template.spec.initContainers ?? []),
  ]) {
    containerNames.add(container.name);
  }
  rules.forEach((rule, index) =>
    errors.push(...validateRule(spec, rule, keyPath(rulesPath, index), containerNames)),
  );
  return errors;
}

function validateRule(
  spec: JobSpec,
  rule: PodFailurePolicyRule,
  path: string,
  containerNames: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  const actionPath = childPath(path, 'action');
  const action = rule.action ?? '';
  if (action === '') {
    errors.push(required(actionPath, `valid values: ${quotedList(actions)}`));
  } else if (action === 'FailIndex') {
    if (spec.backoffLimitPerIndex === undefined) {
      errors.push(invalid(actionPath, action, 'requires the backoffLimitPerIndex to be set'));
    }
  } else if (!actions.includes(action)) {
    errors.push(unsupported(actionPath, action, actions));
  }

  const conditions = rule.onPodConditions ?? [];
  if (rule.onExitCodes)
    errors.push(
      ...validateOnExitCodes(rule.onExitCodes, childPath(path, 'onExitCodes'), containerNames),
    );
  if (conditions.length > 0)
    errors.push(...validateOnPodConditions(conditions, childPath(path, 'onPodConditions')));
  if (rule.onExitCodes && conditions.length > 0) {
    errors.push(
      invalidOmitValue(path, 'specifying both OnExitCodes and OnPodConditions is not supported'),
    );
  }
  if (!rule.onExitCodes && conditions.length === 0) {
    errors.push(
      invalidOmitValue(path, 'specifying one of OnExitCodes and OnPodConditions is required'),
    );
  }
  return errors;
}

function validateOnExitCodes(
  requirement: NonNullable<PodFailurePolicyRule['onExitCodes']>,
  path: string,
  containerNames: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  const operator = requirement.operator ?? '';
  const operatorPath = childPath(path, 'operator');
  if (operator === '')
    errors.push(required(operatorPath, `valid values: ${quotedList(exitCodeOperators)}`));
  else if (!exitCodeOperators.includes(operator))
    errors.push(unsupported(operatorPath, operator, exitCodeOperators));

  if (requirement.containerName !== undefined && !containerNames.has(requirement.containerName)) {
    errors.push(
      invalid(
        childPath(path, 'containerName'),
        requirement.containerName,
        'must be one of the container or initContainer names in the pod template',
      ),
    );
  }

  const values = requirement.values ?? [];
  const valuesPath = childPath(path, 'values');
  if (values.length === 0)
    errors.push(invalid(valuesPath, values, 'at least one value is required'));
  else if (values.length > maxExitCodeValues)
    errors.push(tooMany(valuesPath, values.length, maxExitCodeValues));

  const seen = new Set<number>();
  let ordered = true;
  values.forEach((value, index) => {
    const valuePath = keyPath(valuesPath, index);
    if (operator === 'In' && value === 0)
      errors.push(invalid(valuePath, value, 'must not be 0 for the In operator'));
    if (seen.has(value)) errors.push(duplicate(valuePath, value));
    seen.add(value);
    const previous = values[index - 1];
    if (previous !== undefined && previous > value) ordered = false;
  });
  if (!ordered) errors.push(invalid(valuesPath, values, 'must be ordered'));
  return errors;
}

function validateOnPodConditions(
  patterns: NonNullable<PodFailurePolicyRule['onPodConditions']>,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  if (patterns.length > maxConditionPatterns)
    errors.push(tooMany(path, patterns.length, maxConditionPatterns));
  patterns.forEach((pattern, index) => {
    const patternPath = keyPath(path, index);
    const type = pattern.type ?? '';
    for (const message of checkQualifiedName(type))
      errors.push(invalid(childPath(patternPath, 'type'), type, message));
    const status = pattern.status ?? '';
    const statusPath = childPath(patternPath, 'status');
    if (status === '')
      errors.push(required(statusPath, `valid values: ${quotedList(conditionStatuses)}`));
    else if (!conditionStatuses.includes(status))
      errors.push(unsupported(statusPath, status, conditionStatuses));
  });
  return errors;
}

export function validateSuccessPolicy(spec: JobSpec, path: string): FieldError[] {
  const policy = spec.successPolicy as { rules?: SuccessPolicyRule[] } | undefined;
  if (policy === undefined) return [];
  if (spec.completionMode !== 'Indexed')
    return [invalid(path, policy, 'requires indexed completion mode')];

  const errors: FieldError[] = [];
  const rules = policy.rules ?? [];
  const rulesPath = childPath(path, 'rules');
  if (rules.length === 0) {
    errors.push(
      required(
        rulesPath,
        'at least one rules must be specified when the successPolicy is specified',
      ),
    );
  }
  if (rules.length > maxSuccessRules)
    errors.push(tooMany(rulesPath, rules.length, maxSuccessRules));
  rules.forEach((rule, index) =>
    errors.push(...validateSuccessRule(rule, spec.completions ?? 0, keyPath(rulesPath, index))),
  );
  return errors;
}

function validateSuccessRule(
  rule: SuccessPolicyRule,
  completions: number,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  if (rule.succeededCount === undefined && rule.succeededIndexes === undefined) {
    errors.push(
      required(path, 'at least one of succeededCount or succeededIndexes must be specified'),
    );
  }
  let totalIndexes = 0;
  if (rule.succeededIndexes !== undefined) {
    const indexesPath = childPath(path, 'succeededIndexes');
    if (rule.succeededIndexes.length > maxSucceededIndexesLength)
      errors.push(tooLong(indexesPath, maxSucceededIndexesLength));
    try {
      totalIndexes = countIndexes(parseIndexIntervals(rule.succeededIndexes, completions));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      errors.push(
        invalid(indexesPath, rule.succeededIndexes, `error parsing succeededIndexes: ${reason}`),
      );
    }
  }
  const count = rule.succeededCount;
  if (count !== undefined) {
    const countPath = childPath(path, 'succeededCount');
    if (count < 0) errors.push(invalid(countPath, count, 'must be greater than or equal to 0'));
    if (count > completions) {
      errors.push(
        invalid(
          countPath,
          count,
          `must be less than or equal to ${completions} (the number of specified completions)`,
        ),
      );
    }
    if (rule.succeededIndexes !== undefined && count > totalIndexes) {
      errors.push(
        invalid(
          countPath,
          count,
          `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`,
        ),
      );
    }
  }
  return errors;
}

export function validatePodReplacementPolicy(spec: JobSpec, path: string): FieldError[] {
  const policy = spec.podReplacementPolicy;
  if (policy === undefined) return [];
  if (spec.podFailurePolicy !== undefined) {
    return policy === 'Failed' ? [] : [unsupported(path, policy, ['Failed'])];
  }
  return replacementPolicies.includes(policy)
    ? []
    : [unsupported(path, policy, replacementPolicies)];
}
