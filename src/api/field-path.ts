/**
 * Kubernetes field paths: `.name` for a struct field, `[3]` for a list index and `[key]` for a
 * map key, as in `spec.template.spec.containers[0].env[2].name` or `metadata.labels[app]`.
 */

/** Appends a struct field to a path. An empty path yields the bare name. */
export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Appends a list index or a map key, both rendered in brackets as Kubernetes does. */
export function keyPath(path: string, key: string | number): string {
  return `${path}[${key}]`;
}

/**
 * Splits a field path into its segments: `a.b[0][x.y]` → `['a', 'b', '0', 'x.y']`.
 * A bracketed segment ends at the first `]`, so keys containing `]` are not supported.
 */
export function parseFieldPath(path: string): string[] {
  const segments: string[] = [];
  let current = '';
  let index = 0;
  while (index < path.length) {
    const char = path[index];
    if (char === '.') {
      if (current !== '') segments.push(current);
      current = '';
      index += 1;
    } else if (char === '[') {
      if (current !== '') segments.push(current);
      current = '';
      const end = path.indexOf(']', index + 1);
      const stop = end === -1 ? path.length : end;
      segments.push(path.slice(index + 1, stop));
      index = stop + 1;
    } else {
      current += char;
      index += 1;
    }
  }
  if (current !== '') segments.push(current);
  return segments;
}
