import { StatusError, failureStatus } from '../status.js';
import type { RequestAttributes } from './attributes.js';

/** Returns the 401 Unauthorized error, with `message` saying what is wrong with the credentials. */
export function unauthorized(message: string): StatusError {
  return new StatusError(failureStatus(401, 'Unauthorized', message));
}

/**
 * Returns the 403 Forbidden error in the Kubernetes API server's wording, e.g.
 * `secrets "db" is forbidden: User "token:abc123" cannot get resource "secrets" in API group ""
 * in the namespace "team-a"`. `reason`, when given, follows after a colon.
 */
export function forbidden(
  user: string,
  attributes: RequestAttributes,
  reason?: string,
): StatusError {
  const suffix = reason === undefined ? '' : `: ${reason}`;
  if (attributes.type === 'path') {
    const message = `forbidden: User ${JSON.stringify(user)} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}${suffix}`;
    return new StatusError(failureStatus(403, 'Forbidden', message, {}));
  }

  const { verb, group, resource, namespace, name } = attributes;
  const qualified = group === '' ? resource : `${resource}.${group}`;
  const subject = name === undefined ? qualified : `${qualified} ${JSON.stringify(name)}`;
  const target =
    attributes.subresource === undefined ? resource : `${resource}/${attributes.subresource}`;
  const scope =
    namespace === undefined
      ? 'at the cluster scope'
      : `in the namespace ${JSON.stringify(namespace)}`;
  const message =
    `${subject} is forbidden: User ${JSON.stringify(user)} cannot ${verb} resource ` +
    `${JSON.stringify(target)} in API group ${JSON.stringify(group)} ${scope}${suffix}`;
  const details = { ...(name === undefined ? {} : { name }), group, kind: resource };
  return new StatusError(failureStatus(403, 'Forbidden', message, details));
}
