// The dialect chooser for places that accept schedules of both dialects, such as
// `cronmesh next`. The choice rests on explicit syntax, never on whether a parse succeeds: an
// expression written as `cron(...)` or `rate(...)` is EventBridge, and anything else is the
// Kubernetes dialect. A CronJob does not use this chooser, because its schedule is always the
// Kubernetes dialect.

import { compileSchedule } from '../compile.js';
import { parseStandard } from '../parse.js';
import type { CronSpec } from '../parse.js';
import type { DstPolicy, Schedule } from '../types.js';
import { compileEventBridge } from './compile.js';
import { hasEventBridgeSyntax, parseEventBridge } from './parse.js';
import type { EventBridgeSpec } from './types.js';

/** The schedule languages cronmesh evaluates. */
export type ScheduleDialect = 'kubernetes' | 'eventbridge';

/** A schedule parsed by the parser of its dialect. */
export type ParsedScheduleExpression =
  | { readonly dialect: 'kubernetes'; readonly spec: CronSpec }
  | { readonly dialect: 'eventbridge'; readonly spec: EventBridgeSpec };

/** A schedule compiled by the compiler of its dialect. */
export interface CompiledScheduleExpression {
  readonly dialect: ScheduleDialect;
  readonly schedule: Schedule;
}

/** Returns `eventbridge` for an expression written as `cron(...)` or `rate(...)`, else `kubernetes`. */
export function scheduleDialectOf(expression: string): ScheduleDialect {
  return hasEventBridgeSyntax(expression) ? 'eventbridge' : 'kubernetes';
}

/**
 * Parses `expression` in the dialect scheduleDialectOf picks. Throws ScheduleParseError (robfig's
 * text) for the Kubernetes dialect and EventBridgeExpressionError for EventBridge.
 */
export function parseScheduleExpression(expression: string): ParsedScheduleExpression {
  return scheduleDialectOf(expression) === 'eventbridge'
    ? { dialect: 'eventbridge', spec: parseEventBridge(expression) }
    : { dialect: 'kubernetes', spec: parseStandard(expression) };
}

/**
 * Compiles `expression` in the dialect scheduleDialectOf picks. An undefined `timeZone` means the
 * process's local zone for the Kubernetes dialect, as in kube-controller-manager, and UTC for
 * EventBridge, as in EventBridge Scheduler. `anchor` applies to EventBridge rate expressions only.
 * Throws what compileSchedule or compileEventBridge throws.
 */
export function compileScheduleExpression(
  expression: string,
  options: {
    timeZone?: string | undefined;
    dstPolicy?: DstPolicy | undefined;
    anchor?: number | undefined;
  } = {},
): CompiledScheduleExpression {
  if (scheduleDialectOf(expression) === 'eventbridge') {
    return { dialect: 'eventbridge', schedule: compileEventBridge(expression, options) };
  }
  const { timeZone, dstPolicy } = options;
  return { dialect: 'kubernetes', schedule: compileSchedule(expression, { timeZone, dstPolicy }) };
}
