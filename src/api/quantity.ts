/**
 * Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`), converted to plain numbers of base
 * units: cores for CPU, bytes for memory.
 */

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const quantityPattern = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/;

/**
 * Returns the value of a quantity in base units, or undefined when `quantity` is not a valid
 * Kubernetes quantity. Values are floating point, so very large or very precise quantities
 * are rounded.
 */
export function parseQuantity(quantity: string | number): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) ? quantity : undefined;

  const match = quantityPattern.exec(quantity.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const suffix = match[2] ?? '';

  const binary = binarySuffixes[suffix];
  if (binary !== undefined) return amount * binary;
  const decimal = decimalSuffixes[suffix];
  if (decimal !== undefined) return amount * decimal;

  const exponent = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (exponent) return amount * 10 ** Number(exponent[1]);
  return undefined;
}
