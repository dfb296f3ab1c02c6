import type { RequestAttributes } from './attributes.js';
import { forbidden } from './errors.js';
import type { Identity } from './identity.js';
import { isClusterAdmin } from './identity.js';
import { roleAllows } from './rules.js';

/**
 * Returns whether `identity` may make a request with `attributes`. A role bound to a namespace
 * permits requests in that namespace only, so the all-namespaces paths need a token of every
 * namespace. Paths outside the Kubernetes resource layout, and writes the roles do not name
 * (such as `/status`), need the admin role in every namespace.
 */
export function isAllowed(identity: Identity, attributes: RequestAttributes): boolean {
  if (isClusterAdmin(identity)) return true;
  const role = identity.role;
  if (role === undefined || attributes.type === 'path') return false;

  if (identity.namespace !== undefined && attributes.namespace !== identity.namespace) {
    return false;
  }
  const resource =
    attributes.subresource === undefined
      ? attributes.resource
      : `${attributes.resource}/${attributes.subresource}`;
  return roleAllows(role, attributes.group, resource, attributes.verb);
}

/** Throws the 403 Forbidden StatusError unless `identity` may make the request. */
export function authorize(identity: Identity, attributes: RequestAttributes): void {
  if (!isAllowed(identity, attributes)) throw forbidden(identity.user, attributes);
}
