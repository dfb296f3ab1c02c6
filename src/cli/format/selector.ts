import type { JobSpec } from '../../api/types.js';

interface Expression {
  key?: unknown;
  operator?: unknown;
  values?: unknown;
}

/**
 * Formats a label selector as kubectl does (`metav1.FormatLabelSelector`): requirements sorted by
 * key, `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, joined by commas; `<none>` when unset or
 * empty.
 */
export function formatLabelSelector(selector: JobSpec['selector'] | undefined): string {
  if (selector === undefined) return '<none>';

  const requirements: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const item of selector.matchExpressions ?? []) {
    const expression = item as Expression;
    const key = typeof expression.key === 'string' ? expression.key : '';
    const values = Array.isArray(expression.values)
      ? expression.values.map(String).sort().join(',')
      : '';
    const texts: Record<string, string> = {
      In: `${key} in (${values})`,
      NotIn: `${key} notin (${values})`,
      Exists: key,
      DoesNotExist: `!${key}`,
    };
    requirements.push({ key, text: texts[String(expression.operator)] ?? key });
  }
  if (requirements.length === 0) return '<none>';
  requirements.sort((left, right) => compareStrings(left.key, right.key));
  return requirements.map((requirement) => requirement.text).join(',');
}

/** Compares by UTF-16 code units, the order of Go's sort.Strings for ASCII keys. */
function compareStrings(left: string, right: string): number {
  if (left < right) return -1;
  if (left > right) return 1;
  return 0;
}
