// JSON that keeps Java longs exact (Operation Growth's CUIDs are longs): an integer beyond Number's exact
// range is read as a bigint and a bigint is written as plain digits, never through a rounding number.
import { isSafeNumber, parse, stringify } from 'lossless-json';

function exactNumber(text: string): number | bigint {
  if (isSafeNumber(text)) return Number(text);
  return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
}

/** Like JSON.parse (a repeated key keeps its last value), but unsafe integers become bigint. */
export function parseExact(text: string): unknown {
  return parse(text, null, { parseNumber: exactNumber, onDuplicateKey: ({ newValue }) => newValue });
}

/** Like JSON.stringify, but a bigint is written as its digits. */
export function stringifyExact(value: unknown): string {
  return stringify(value) ?? 'null';
}
