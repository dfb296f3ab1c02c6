/** JSON Merge Patch (RFC 7386), the `application/merge-patch+json` patch type. */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns `target` with `patch` applied by the RFC 7386 algorithm: objects merge key by key, a
 * `null` member removes the key, and any other value (arrays included) replaces the target value.
 * Neither argument is modified, and the result shares no objects with them.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergeIntoCopy(structuredClone(target), patch);
}

function mergeIntoCopy(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);

  const result: JsonObject = isJsonObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergeIntoCopy(result[key], value);
    }
  }
  return result;
}
