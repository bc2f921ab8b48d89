/**
 * Durations as an Application writes them: Go's `time.ParseDuration` syntax
 * restricted to the units a controller needs (`500ms`, `5s`, `3m`, `1h30m`,
 * `1.5h`). The same pattern is in the CRD's OpenAPI schema, and the CRD's CEL
 * rules read the value with CEL's `duration()`, which accepts exactly this
 * syntax; a test checks that the two patterns are the same string.
 */

/** The CRD's `pattern` for every duration field (RE2 and ECMAScript read it alike). */
export const durationPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

const durationRegExp = new RegExp(durationPattern);
const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof unitMs;
const termRegExp = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

export function isDuration(text: string): boolean {
  return durationRegExp.test(text);
}

/** Milliseconds of a duration such as `1h30m`; throws a SyntaxError naming the text when it is not one. */
export function parseDuration(text: string): number {
  if (!isDuration(text)) {
    throw new SyntaxError(`"${text}" is not a duration such as 30s, 3m or 1h30m`);
  }
  let total = 0;
  for (const [, amount = '0', unit = 'ms'] of text.matchAll(termRegExp)) {
    total += Number(amount) * unitMs[unit as Unit];
  }
  return Math.round(total);
}

/** The shortest form of a whole number of milliseconds: `180000` is `3m`, `90000` is `1m30s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${ms} ms is not a duration`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let text = '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const amount = Math.floor(rest / unitMs[unit]);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * unitMs[unit];
  }
  return text;
}
