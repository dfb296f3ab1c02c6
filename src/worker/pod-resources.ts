/**
 * CPU and memory amounts of a pod's containers, parsed from their `resources`: the limits the
 * runtime enforces and the effective requests that worker admission reserves.
 */
import { formatFieldError } from '../api/field-error.js';
import { parseQuantity } from '../api/quantity.js';
import type { Container, Pod } from '../api/types.js';
import { validatePodResources, validateResources } from '../api/validate-container.js';
import { containerFieldPath } from './secret-references.js';

/** CPU in cores and memory in bytes. */
export interface CpuMemory {
  cpu: number;
  memory: number;
}

/**
 * A container whose stored `resources` the runtime cannot honour, such as a negative or
 * unparsable quantity in a Pod that was created without the template's validation.
 */
export class InvalidResourcesError extends Error {
  readonly code = 'InvalidResources';
}

/**
 * Returns a stored quantity in base units. Absent, unparsable and negative values, and values
 * of the wrong type, give undefined, so reading a stored pod never throws.
 */
function quantityOf(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const parsed = parseQuantity(value);
  return parsed !== undefined && parsed >= 0 ? parsed : undefined;
}

/**
 * Returns the container's parsed CPU and memory limits, or undefined when it sets neither.
 * Throws InvalidResourcesError, naming the field, when the container's resources break a
 * validation rule or the pod sets pod-level resources, so that no limit is dropped without a
 * word. A Pod created through the API skips the template validation that rejects both.
 */
export function containerLimits(
  pod: Pod,
  container: Container,
): { cpu?: number; memory?: number } | undefined {
  const path = `${containerFieldPath(pod, container)}.resources`;
  const errors = [
    ...validatePodResources(pod.spec.resources, 'spec.resources'),
    ...validateResources(container.resources, path),
  ];
  if (errors.length > 0) {
    const details = errors.map((error) => formatFieldError(error)).join('; ');
    throw new InvalidResourcesError(`container ${JSON.stringify(container.name)}: ${details}`);
  }
  const cpu = quantityOf(container.resources?.limits?.cpu);
  const memory = quantityOf(container.resources?.limits?.memory);
  if (cpu === undefined && memory === undefined) return undefined;
  return {
    ...(cpu === undefined ? {} : { cpu }),
    ...(memory === undefined ? {} : { memory }),
  };
}

/**
 * Returns a container's requests; a resource without a request defaults to its limit, as the
 * Kubernetes API server defaults them, and else to 0. An invalid quantity counts as absent:
 * the runtime fails such a container at start (containerLimits), so it reserves its share only
 * for that moment.
 */
export function containerRequests(container: Container): CpuMemory {
  const resources = container.resources as
    { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined;
  const requests = resources?.requests;
  const limits = resources?.limits;
  return {
    cpu: quantityOf(requests?.cpu) ?? quantityOf(limits?.cpu) ?? 0,
    memory: quantityOf(requests?.memory) ?? quantityOf(limits?.memory) ?? 0,
  };
}

/**
 * Returns the pod's effective requests as the Kubernetes scheduler computes them. Containers and
 * sidecars (init containers with restartPolicy Always) run together, so their requests add up.
 * A regular init container runs alone beside the sidecars started before it, so the pod needs
 * at least that sum at that point, and the effective request is the larger of the two.
 */
export function podRequests(pod: Pod): CpuMemory {
  return {
    cpu: effectiveRequest(pod, (requests) => requests.cpu),
    memory: effectiveRequest(pod, (requests) => requests.memory),
  };
}

function effectiveRequest(pod: Pod, pick: (requests: CpuMemory) => number): number {
  let sidecars = 0;
  let initPeak = 0;
  for (const container of pod.spec.initContainers ?? []) {
    const request = pick(containerRequests(container));
    if (container.restartPolicy === 'Always') {
      sidecars += request;
      initPeak = Math.max(initPeak, sidecars);
    } else {
      initPeak = Math.max(initPeak, sidecars + request);
    }
  }
  let containers = 0;
  for (const container of pod.spec.containers) containers += pick(containerRequests(container));
  return Math.max(containers + sidecars, initPeak);
}
