/**
 * Validation of the core/v1 kinds that only the HTTP API accepts: a Pod (one attempt of a Job)
 * and an Event. The checks cover what every reader of these objects relies on.
 */
import { required, unsupported, type FieldError } from './field-error.js';
import { keyPath } from './field-path.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validate-meta.js';
import type { Event, Pod } from './types.js';

const eventTypes = ['Normal', 'Warning'];

/** Validates a Pod as Kubernetes does for its containers: at least one, each with a name. */
export function validatePod(pod: Pod, old?: Pod): FieldError[] {
  const errors = validateMeta(pod, old);
  const containers = (pod.spec as Partial<Pod['spec']> | undefined)?.containers ?? [];
  if (containers.length === 0) errors.push(required('spec.containers', ''));
  containers.forEach((container, index) => {
    if (!container.name) errors.push(required(`${keyPath('spec.containers', index)}.name`, ''));
  });
  return errors;
}

/**
 * Validates an Event. Kubernetes leaves `reason`, `message` and `type` optional, but cronmesh's
 * Event type and its readers (`get events`, `describe`) need them, so they are required here.
 */
export function validateEvent(event: Event, old?: Event): FieldError[] {
  const errors = validateMeta(event, old);
  const fields = event as Partial<Event>;
  if (fields.involvedObject === undefined) errors.push(required('involvedObject', ''));
  if (fields.reason === undefined) errors.push(required('reason', ''));
  if (fields.message === undefined) errors.push(required('message', ''));
  if (fields.type === undefined) errors.push(required('type', ''));
  else if (!eventTypes.includes(fields.type))
    errors.push(unsupported('type', fields.type, eventTypes));
  return errors;
}

function validateMeta(object: Pod | Event, old: Pod | Event | undefined): FieldError[] {
  const errors = validateObjectMeta(object.metadata, 'metadata');
  if (old !== undefined)
    errors.push(...validateObjectMetaUpdate(object.metadata, old.metadata, 'metadata'));
  return errors;
}
