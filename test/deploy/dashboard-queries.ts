import { parser } from '@prometheus-io/lezer-promql';

/** A PromQL expression of the dashboard and where it is. */
export interface DashboardQuery {
  /** E.g. `panel "Active jobs" target A` or `variable namespace`. */
  where: string;
  expr: string;
}

interface Target {
  refId?: string;
  expr?: string;
}

interface Panel {
  title?: string;
  type?: string;
  targets?: Target[];
  panels?: Panel[];
}

interface Variable {
  name?: string;
  type?: string;
  definition?: string;
  query?: string | { query?: string };
}

/** The part of a Grafana dashboard JSON model that contains queries. */
export interface Dashboard {
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

/**
 * Returns every panel of the dashboard in order, including the panels of collapsed rows,
 * which Grafana stores inside the row panel.
 */
export function flattenPanels(dashboard: Dashboard): Panel[] {
  const panels: Panel[] = [];
  for (const panel of dashboard.panels ?? []) {
    panels.push(panel);
    panels.push(...(panel.panels ?? []));
  }
  return panels;
}

const labelValuesCall = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/s;

/**
 * Collects the PromQL of every panel target and query variable. The series selector inside a
 * variable's `label_values(SELECTOR, LABEL)` counts as a query. Throws for a query variable
 * that is not a label_values call, because its metric names could not be checked.
 */
export function collectDashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of flattenPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (target.expr === undefined) continue;
      const where = `panel ${JSON.stringify(panel.title)} target ${target.refId ?? '?'}`;
      queries.push({ where, expr: target.expr });
    }
  }

  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const match = labelValuesCall.exec(text ?? '');
    if (match?.[1] === undefined) {
      throw new Error(
        `variable ${String(variable.name)}: expected label_values(SELECTOR, LABEL), found ${JSON.stringify(text)}`,
      );
    }
    queries.push({ where: `variable ${String(variable.name)}`, expr: match[1] });
  }
  return queries;
}

/**
 * Grafana's built-in range variables, which it replaces with durations before it sends the
 * query. Template variables of this dashboard appear only inside label matcher strings, where
 * the PromQL parser accepts them as they are.
 */
const grafanaDurations =
  /\$(?:__rate_interval|__interval|__range)\b|\$\{(?:__rate_interval|__interval|__range)\}/g;

/** The result of reading the metric names of one PromQL expression. */
export interface QueryMetrics {
  names: string[];
  /** Syntax errors and selectors whose metric name cannot be read, each with its text. */
  errors: string[];
}

/**
 * Parses `expr` with the Prometheus UI's PromQL grammar and returns the metric names it
 * selects, in order of appearance. A name comes from a selector's identifier, a quoted name
 * inside braces (`{"name"}`), or a `__name__="name"` matcher. A `__name__` matched by a regular
 * expression is an error, because it does not name the metric.
 */
export function readQueryMetrics(expr: string): QueryMetrics {
  const text = expr.replace(grafanaDurations, '5m');
  const names: string[] = [];
  const errors: string[] = [];
  const cursor = parser.parse(text).cursor();

  do {
    const node = cursor.node;
    const parent = node.parent?.name;
    const source = text.slice(node.from, node.to);

    if (node.type.isError) {
      errors.push(`syntax error at offset ${node.from}: ${JSON.stringify(source)}`);
    } else if (node.name === 'Identifier' && parent === 'VectorSelector') {
      names.push(source);
    } else if (node.name === 'QuotedLabelName' && parent === 'LabelMatchers') {
      // A quoted string without an operator is the metric name, not a label name.
      names.push(JSON.parse(source) as string);
    } else if (node.name === 'UnquotedLabelMatcher') {
      const label = node.getChild('LabelName');
      const operator = node.getChild('MatchOp');
      const value = node.getChild('StringLiteral');
      if (label === null || text.slice(label.from, label.to) !== '__name__') continue;
      if (operator?.getChild('EqlSingle') === null || value === null) {
        errors.push(`metric name matched by a pattern: ${JSON.stringify(source)}`);
        continue;
      }
      names.push(JSON.parse(text.slice(value.from, value.to)) as string);
    }
  } while (cursor.next());
  return { names, errors };
}

/**
 * Checks every query against `exportedNames` and returns one line per problem: a syntax
 * error, an unreadable metric name, or a metric that is not exported. Returns an empty list
 * when all queries are fine.
 */
export function checkDashboardQueries(
  queries: DashboardQuery[],
  exportedNames: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  for (const { where, expr } of queries) {
    const { names, errors } = readQueryMetrics(expr);
    for (const error of errors) problems.push(`${where}: ${error}`);
    if (names.length === 0 && errors.length === 0) {
      problems.push(`${where}: selects no metric: ${JSON.stringify(expr)}`);
    }
    for (const name of names) {
      if (!exportedNames.has(name)) problems.push(`${where}: metric ${name} is not exported`);
    }
  }
  return problems;
}

/**
 * Returns the sample names of a Prometheus text exposition, read from its `# TYPE` lines. A
 * histogram adds `_bucket`, `_sum` and `_count`, and a summary adds `_sum` and `_count` beside
 * its own name. prom-client writes counters with their full `_total` name.
 */
export function readExportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (match === null) continue;
    const [, name = '', type] = match;
    if (type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    } else if (type === 'summary') {
      for (const suffix of ['', '_sum', '_count']) names.add(`${name}${suffix}`);
    } else {
      names.add(name);
    }
  }
  return names;
}

/** A node of a parsed PromQL expression. */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Aggregations that return at most one series per group of their `by` labels. */
const oneSeriesPerGroup = new Set([
  'Avg',
  'Count',
  'Group',
  'Max',
  'Min',
  'Quantile',
  'Stddev',
  'Stdvar',
  'Sum',
]);

/**
 * Checks every `group_left` and `group_right` join of `expr` and returns one line per join whose
 * "one" side may hold several series for one match group. That side must be an aggregation
 * `by` nothing but the `on` labels and the labels the join copies. Otherwise two scrape targets
 * that export the same series, such as two cronmesh replicas, make Prometheus fail the query
 * with a many-to-many matching error. Returns an empty list when every join is safe.
 */
export function findAmbiguousJoins(expr: string): string[] {
  const text = expr.replace(grafanaDurations, '5m');
  const problems: string[] = [];
  const cursor = parser.parse(text).cursor();
  do {
    const node = cursor.node;
    if (node.name !== 'BinaryExpr') continue;
    const problem = checkJoin(text, node);
    if (problem !== undefined) problems.push(problem);
  } while (cursor.next());
  return problems;
}

/** Returns what makes the one side of the join `node` ambiguous, or undefined. */
function checkJoin(text: string, node: SyntaxNode): string | undefined {
  const matching = node.getChild('MatchingModifierClause');
  if (matching === null) return undefined;
  const groupLeft = matching.getChild('GroupLeft') !== null;
  if (!groupLeft && matching.getChild('GroupRight') === null) return undefined;

  const where = `join ${JSON.stringify(text.slice(matching.from, matching.to))}`;
  if (matching.getChild('On') === null) {
    return `${where}: uses ignoring, so its match labels are unknown`;
  }
  const [onLabels = [], copiedLabels = []] = matching
    .getChildren('GroupingLabels')
    .map((labels) => labelNamesOf(text, labels));

  const oneSide = unwrapParentheses(groupLeft ? node.lastChild : node.firstChild);
  const oneSideText = JSON.stringify(oneSide === null ? '' : text.slice(oneSide.from, oneSide.to));
  const operator = oneSide?.getChild('AggregateOp')?.firstChild?.name;
  const modifier = oneSide?.getChild('AggregateModifier') ?? null;
  const byLabels = modifier?.getChild('By') == null ? null : modifier.getChild('GroupingLabels');
  if (operator === undefined || !oneSeriesPerGroup.has(operator) || byLabels === null) {
    return `${where}: the one side ${oneSideText} is no aggregation by labels`;
  }

  const allowed = new Set([...onLabels, ...copiedLabels]);
  const extra = labelNamesOf(text, byLabels).filter((label) => !allowed.has(label));
  if (extra.length > 0) return `${where}: the one side ${oneSideText} keeps ${extra.join(', ')}`;
  return undefined;
}

/**
 * Returns the number that the outermost `>` comparison of `expr` compares with, such as 60 in
 * `time() - x > 60`, or undefined when `expr` is no such comparison.
 */
export function readGreaterThanThreshold(expr: string): number | undefined {
  const top = unwrapParentheses(parser.parse(expr).topNode.firstChild);
  if (top?.name !== 'BinaryExpr' || top.getChild('Gtr') === null) return undefined;
  const right = top.lastChild;
  if (right?.name !== 'NumberDurationLiteral') return undefined;
  const value = Number(expr.slice(right.from, right.to));
  return Number.isNaN(value) ? undefined : value;
}

function unwrapParentheses(node: SyntaxNode | null): SyntaxNode | null {
  let current = node;
  while (current?.name === 'ParenExpr') current = current.getChild('Expr');
  return current;
}

/** Returns the label names inside a GroupingLabels node, quoted ones unquoted. */
function labelNamesOf(text: string, labels: SyntaxNode): string[] {
  const names: string[] = [];
  for (let child = labels.firstChild; child !== null; child = child.nextSibling) {
    const source = text.slice(child.from, child.to);
    if (child.name === 'LabelName') names.push(source);
    else if (child.name === 'QuotedLabelName') names.push(JSON.parse(source) as string);
  }
  return names;
}
