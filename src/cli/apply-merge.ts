import type { AnyResource } from '../api/types.js';
import { applyMergePatch, isJsonObject } from '../server/patch.js';

/** The annotation where apply keeps the manifest it last applied, as kubectl does. */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** Returns a copy of `manifest` whose last-applied annotation contains the manifest itself. */
export function withLastApplied(manifest: AnyResource): AnyResource {
  const copy = structuredClone(manifest);
  const annotations = { ...copy.metadata.annotations };
  delete annotations[lastAppliedAnnotation];
  copy.metadata.annotations = annotations;
  const recorded = structuredClone(copy);
  if (Object.keys(annotations).length === 0) delete recorded.metadata.annotations;
  annotations[lastAppliedAnnotation] = JSON.stringify(recorded);
  return copy;
}

/**
 * Computes the object an apply should store, as kubectl's client-side apply does. Fields of the
 * new manifest are set on the live object, where objects merge and lists are replaced. Fields
 * that the previously applied manifest had and the new one lacks are removed. Fields that only
 * the server or other clients set (defaults, generated selectors, status) are kept.
 */
export function mergeForApply(live: AnyResource, manifest: AnyResource): AnyResource {
  const recorded = live.metadata.annotations?.[lastAppliedAnnotation];
  let lastApplied: unknown = {};
  if (recorded !== undefined) {
    try {
      lastApplied = JSON.parse(recorded) as unknown;
    } catch {
      // A damaged annotation only means no fields are removed, as for objects never applied.
    }
  }
  return applyMergePatch(live, threeWayPatch(lastApplied, manifest)) as AnyResource;
}

/** Returns the merge patch that sets every field of `current` and removes those only `last` has. */
function threeWayPatch(last: unknown, current: unknown): unknown {
  if (!isJsonObject(current)) return current;

  const patch: Record<string, unknown> = {};
  const previous = isJsonObject(last) ? last : {};
  for (const [key, value] of Object.entries(current)) {
    patch[key] =
      isJsonObject(value) && isJsonObject(previous[key])
        ? threeWayPatch(previous[key], value)
        : value;
  }
  for (const key of Object.keys(previous)) {
    if (!(key in current)) patch[key] = null;
  }
  return patch;
}
