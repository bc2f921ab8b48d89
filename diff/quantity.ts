/**
 * Kubernetes resource quantities (`500m`, `0.5`, `1Gi`, `1024Mi`, `1e3`) compared by value.
 * The API server rewrites a quantity in canonical form (`1000m` becomes `1`), so a desired
 * `1024Mi` and a live `1Gi` are the same request. Only the desired-subset comparison needs
 * this: a server-side dry run already returns canonical quantities.
 */

const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const binaryExponent: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalExponent: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A quantity as the exact fraction numerator / 10^scale, or undefined when `text` is not a quantity. */
export function parseQuantity(text: string | number): { numerator: bigint; scale: number } | undefined {
  const match = quantityPattern.exec(String(text).trim());
  if (!match) return undefined;
  const [, sign = '', number = '', exponent, suffix] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt((whole || '0') + fraction) * (sign === '-' ? -1n : 1n);
  let power10 = -fraction.length;
  if (exponent !== undefined) power10 += Number(exponent);
  if (suffix !== undefined) {
    const binary = binaryExponent[suffix];
    if (binary !== undefined) numerator <<= BigInt(binary);
    else power10 += decimalExponent[suffix] ?? 0;
  }
  // A real quantity has at most a few dozen digits; a huge exponent is not one (and would be a huge BigInt).
  if (Math.abs(power10) > 64) return undefined;
  if (power10 > 0) {
    numerator *= 10n ** BigInt(power10);
    power10 = 0;
  }
  return { numerator, scale: -power10 };
}

export function quantitiesEqual(a: string | number, b: string | number): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (!x || !y) return false;
  return x.numerator * 10n ** BigInt(y.scale) === y.numerator * 10n ** BigInt(x.scale);
}
