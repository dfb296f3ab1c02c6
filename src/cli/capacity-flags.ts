import { parseQuantity } from '../api/quantity.js';
import { hostCapacity } from '../worker/admission.js';
import type { CpuMemory } from '../worker/pod-resources.js';
import { CliError } from './errors.js';

/**
 * Parses a worker's capacity flags, Kubernetes quantities such as `2` or `1500m` CPUs and `4Gi`
 * of memory. An absent flag takes the machine's CPUs or memory. Throws CliError naming the flag
 * and value when a quantity is invalid, negative or zero.
 */
export function parseCapacityFlags(
  cpu: { flag: string; value: string | undefined },
  memory: { flag: string; value: string | undefined },
): CpuMemory {
  const host = hostCapacity();
  return {
    cpu:
      cpu.value === undefined ? host.cpu : parsePositiveQuantity(cpu.flag, cpu.value, '2 or 1500m'),
    memory:
      memory.value === undefined
        ? host.memory
        : parsePositiveQuantity(memory.flag, memory.value, '4Gi or 512Mi'),
  };
}

function parsePositiveQuantity(flag: string, text: string, examples: string): number {
  const value = parseQuantity(text);
  if (value === undefined || value <= 0) {
    throw new CliError(
      `invalid ${flag} value ${JSON.stringify(text)}: expected a Kubernetes quantity greater than 0, such as ${examples}`,
    );
  }
  return value;
}
