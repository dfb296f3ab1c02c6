/**
 * Errors raised by the runtime layer for invalid input from its caller. Failures of the
 * user's containers are not errors: they are reported in ContainerResult and AttemptResult.
 */

/** An AttemptSpec field that the executor cannot run. */
export class InvalidAttemptSpecError extends Error {
  readonly code = 'InvalidAttemptSpec';

  constructor(
    /** Path of the field inside the AttemptSpec, such as `containers[0].env.PATH`. */
    readonly field: string,
    readonly value: unknown,
    /** Description of a valid value, such as `an integer >= 0`. */
    expected: string,
  ) {
    super(`invalid attempt spec: ${field} is ${describeValue(value)}; expected ${expected}`);
    this.name = 'InvalidAttemptSpecError';
  }
}

/** A ProcessExecutor option outside its valid range. */
export class InvalidExecutorOptionError extends Error {
  readonly code = 'InvalidExecutorOption';

  constructor(
    readonly field: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`invalid executor option: ${field} is ${describeValue(value)}; expected ${expected}`);
    this.name = 'InvalidExecutorOptionError';
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    return value.length === 0 ? 'an empty array' : `an array of ${value.length} items`;
  }
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) {
    return String(value);
  }
  return `a value of type ${typeof value}`;
}
