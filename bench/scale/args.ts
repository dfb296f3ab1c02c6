// Argument checks shared by the benchmark child processes.

/** Returns `text` as a positive integer or throws a RangeError naming the argument. */
export function parsePositiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`invalid ${name} ${JSON.stringify(text)}: expected a positive integer`);
  }
  return value;
}
