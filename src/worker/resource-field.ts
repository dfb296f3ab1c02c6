import { cpus, totalmem } from 'node:os';
import { parseQuantity } from '../api/quantity.js';
import type { Container, EnvVar, Pod } from '../api/types.js';

type ResourceFieldRef = NonNullable<NonNullable<EnvVar['valueFrom']>['resourceFieldRef']>;

/**
 * Returns the value of a `resourceFieldRef` as Kubernetes computes it for the downward API:
 * the container's limit or request divided by `divisor` (default 1) and rounded up. A missing
 * limit falls back to the machine's capacity (Kubernetes uses the node's allocatable), and a
 * missing request falls back to the limit, else 0.
 */
export function resourceFieldValue(
  pod: Pod,
  current: Container,
  ref: ResourceFieldRef,
): string | undefined {
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const container =
    ref.containerName === undefined || ref.containerName === ''
      ? current
      : containers.find((candidate) => candidate.name === ref.containerName);
  if (!container) return undefined;

  const [kind, resource] = splitResource(ref.resource);
  if (kind === undefined || resource === undefined) return undefined;
  const limit = quantityOf(container.resources?.limits?.[resource]);
  const request = quantityOf(container.resources?.requests?.[resource]);
  let value: number | undefined;
  if (kind === 'limits') value = limit ?? capacity(resource);
  else value = request ?? limit ?? 0;
  if (value === undefined) return undefined;

  const divisor = quantityOf(ref.divisor ?? 1);
  if (divisor === undefined || divisor <= 0) return undefined;
  return String(Math.ceil(value / divisor - 1e-9));
}

function splitResource(resource: string): [string | undefined, string | undefined] {
  const dot = resource.indexOf('.');
  if (dot < 0) return [undefined, undefined];
  const kind = resource.slice(0, dot);
  if (kind !== 'limits' && kind !== 'requests') return [undefined, undefined];
  return [kind, resource.slice(dot + 1)];
}

function quantityOf(value: string | number | undefined): number | undefined {
  return value === undefined ? undefined : parseQuantity(value);
}

/** Returns what this machine offers of `resource`, standing in for the node's allocatable. */
function capacity(resource: string): number | undefined {
  if (resource === 'cpu') return cpus().length;
  if (resource === 'memory') return totalmem();
  return undefined;
}
