/**
 * Parses the Prometheus text exposition format into a map from series to value. A series is
 * written `name{a="1",b="2"}` with its labels sorted by name, or `name` without labels.
 */
export function parsePromText(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`unparsable metrics line: ${line}`);
    const [, name, labelText, value] = match;
    const labels = [...(labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, key, raw]) => `${key}="${raw}"`)
      .sort();
    const key = labels.length === 0 ? (name as string) : `${name}{${labels.join(',')}}`;
    series.set(key, Number(value));
  }
  return series;
}

/** Returns the series of `metric` (exact name), as series key to value. */
export function seriesOf(all: Map<string, number>, metric: string): Map<string, number> {
  return new Map([...all].filter(([key]) => key === metric || key.startsWith(`${metric}{`)));
}
