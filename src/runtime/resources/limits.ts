/**
 * Conversions from a container's parsed `resources.limits` to the values the kernel takes,
 * with the kubelet's rounding.
 */

/** Length of one CFS period in microseconds, the kubelet's default `cpu.cfs_period_us`. */
export const CFS_PERIOD_US = 100_000;

/** Smallest CFS quota in microseconds that the kubelet writes (its `MinQuotaPeriod`). */
export const MIN_CFS_QUOTA_US = 1_000;

/** Limits of one container in kernel units. An absent member means no limit. */
export interface KernelLimits {
  /** Maximum bytes of memory, rounded up to a whole byte. */
  memoryBytes?: number;
  /** CFS quota in microseconds per CFS_PERIOD_US. */
  cpuQuotaUs?: number;
  /** The CPU limit in millicores, kept for messages. */
  cpuMillis?: number;
}

/**
 * Converts parsed limits (CPU in cores, memory in bytes) to kernel units. A limit of 0 sets
 * nothing, because the kubelet and runc treat a zero limit as no limit.
 */
export function toKernelLimits(
  limits: { cpu?: number; memory?: number } | undefined,
): KernelLimits {
  const result: KernelLimits = {};
  const memory = limits?.memory;
  if (memory !== undefined && memory > 0) result.memoryBytes = Math.ceil(memory);

  const cpu = limits?.cpu;
  if (cpu !== undefined && cpu > 0) {
    // Quantity.MilliValue() rounds up, so 0.0001 CPU is 1m; the epsilon absorbs float error
    // such as 0.2 * 1000 = 200.00000000000003.
    const millis = Math.ceil(cpu * 1000 - 1e-6);
    result.cpuMillis = millis;
    result.cpuQuotaUs = Math.max(MIN_CFS_QUOTA_US, (millis * CFS_PERIOD_US) / 1000);
  }
  return result;
}

/** Returns whether `limits` sets anything. */
export function hasKernelLimits(limits: KernelLimits): boolean {
  return limits.memoryBytes !== undefined || limits.cpuQuotaUs !== undefined;
}
