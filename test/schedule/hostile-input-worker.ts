// Runs schedule expressions through every entry point of the schedule engine inside a worker
// thread, so that the test can terminate it when an input hangs. Each input gets one outcome:
// the computed values, an expected parse error, or a crash (any other exception).

import { parentPort, workerData } from 'node:worker_threads';

import {
  EventBridgeExpressionError,
  ScheduleParseError,
  compileScheduleExpression,
  describeSchedule,
  formatInZone,
  nextWithMarks,
  previousWithMarks,
} from '../../src/schedule/index.js';

export type HostileOutcome =
  | { kind: 'values'; next: string[]; previous: string[] | null; description: string }
  | { kind: 'rejected'; name: string; message: string }
  | { kind: 'crash'; name: string; message: string };

/** What the worker receives: the expressions, the zone, the instant and how many times. */
export interface HostileBatch {
  expressions: string[];
  timeZone: string;
  instant: number;
  count: number;
}

function evaluate(expression: string, batch: HostileBatch): HostileOutcome {
  try {
    const { dialect, schedule } = compileScheduleExpression(expression, {
      timeZone: batch.timeZone,
    });
    const format = (time: number) => formatInZone(time, schedule.timeZone);
    const next = nextWithMarks(schedule, batch.instant, batch.count).map(({ time }) =>
      format(time),
    );
    const previous =
      schedule.prev === undefined
        ? null
        : previousWithMarks(schedule, batch.instant, batch.count).map(({ time }) => format(time));
    const description = describeSchedule(expression, dialect, { timeZone: batch.timeZone });
    return { kind: 'values', next, previous, description };
  } catch (error) {
    if (error instanceof ScheduleParseError || error instanceof EventBridgeExpressionError) {
      return { kind: 'rejected', name: error.name, message: error.message };
    }
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return { kind: 'crash', name, message };
  }
}

const batch = workerData as HostileBatch;
parentPort?.postMessage(batch.expressions.map((expression) => evaluate(expression, batch)));
