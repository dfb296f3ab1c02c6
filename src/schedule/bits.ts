// Small sets of field values kept as bit masks: bit i is set when value i is in the set. Masks
// stay below 2^31 so the bit operators read them exactly; V8 keeps those below 2^30 as small
// integers inside the object, which is what keeps a compiled schedule small.

/** Returns a mask with a bit set for each value in `values` within [offset, offset + width). */
export function maskOf(values: readonly number[], offset = 0, width = 31): number {
  let mask = 0;
  for (const value of values) {
    const bit = value - offset;
    if (bit >= 0 && bit < Math.min(width, 31)) mask |= 1 << bit;
  }
  return mask;
}

/** Returns whether bit `bit` of `mask` is set. */
export function hasBit(mask: number, bit: number): boolean {
  return bit >= 0 && bit < 31 && ((mask >>> bit) & 1) === 1;
}

/** Returns the lowest set bit ≥ `bit` of `mask`, or -1. */
export function lowestBitAtOrAbove(mask: number, bit: number): number {
  if (bit >= 31) return -1;
  const remaining = bit <= 0 ? mask : mask & ~((1 << bit) - 1);
  if (remaining === 0) return -1;
  return 31 - Math.clz32(remaining & -remaining);
}
