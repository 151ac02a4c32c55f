// What the gateway checks before any Operation Growth call (BAD_USER_INPUT naming the item), and
// the wire forms Jiguang expects: CUIDs as numbers, booleans as 0/1, date-times as
// `yyyy-MM-dd HH:mm:ss` in UTC+8 (Jiguang's time zone; the docs name no zone), times as epoch ms.
import { createHash } from 'node:crypto';
import { BadUserInputError } from '../core/errors.js';
import { GROWTH_MAX_TOTAL } from './batch.js';
import { isCuid } from './endpoints.js';

/** Longest identity value, attribute string and channel value Jiguang takes (documented for identity values). */
export const GROWTH_MAX_VALUE_LENGTH = 256;
/** Longest event name and random id (the gateway's bound, as the emulator's). */
export const GROWTH_MAX_NAME_LENGTH = 128;
/** Most attributes set in one call (the gateway's own bound; Jiguang documents none). */
export const GROWTH_MAX_ATTRIBUTES = 500;

const CHINA_OFFSET_MS = 8 * 3600_000;

/** A CUID argument (decimal string of a positive 64-bit integer) as the exact number Jiguang takes. */
export function parseCuid(value: string, argument: string): bigint {
  if (!isCuid(value)) throw new BadUserInputError(`\`${argument}\` "${value.slice(0, 40)}" is not a CUID (a positive whole number of at most 2^63 - 1).`, argument);
  return BigInt(value);
}

/** A required name: 1 to `max` characters. */
export function checkName(value: string, argument: string, max = GROWTH_MAX_VALUE_LENGTH): string {
  if (value.length === 0 || value.length > max || value.includes('\u0000')) throw new BadUserInputError(`\`${argument}\` must be 1 to ${max} characters.`, argument);
  return value;
}

/** A list of 1 to GROWTH_MAX_TOTAL (or `max`) items. */
export function checkCount(list: readonly unknown[], argument: string, max = GROWTH_MAX_TOTAL): void {
  if (list.length === 0 || list.length > max) throw new BadUserInputError(`\`${argument}\` must hold 1 to ${max} items; it holds ${list.length}.`, argument);
}

/** A date-time as Jiguang writes it: `yyyy-MM-dd HH:mm:ss` in UTC+8. */
export function growthDateTime(date: Date, argument: string): string {
  const shifted = new Date(date.getTime() + CHINA_OFFSET_MS);
  const year = shifted.getUTCFullYear();
  if (!Number.isFinite(shifted.getTime()) || year < 1 || year > 9999) throw new BadUserInputError(`\`${argument}\` must be between the years 1 and 9999.`, argument);
  return shifted.toISOString().slice(0, 19).replace('T', ' ');
}

export interface AttributeValueInput {
  string?: string | null;
  number?: number | null;
  boolean?: boolean | null;
  dateTime?: Date | null;
}

/** One attribute value in wire form; exactly one field must be set. */
export function attributeWireValue(value: AttributeValueInput, argument: string): string | number {
  const set = (['string', 'number', 'boolean', 'dateTime'] as const).filter((k) => value[k] !== undefined && value[k] !== null);
  if (set.length !== 1)
    throw new BadUserInputError(`\`${argument}\` must set exactly one of string, number, boolean, dateTime; it sets ${set.length === 0 ? 'none' : set.join(', ')}.`, argument);
  if (value.string !== undefined && value.string !== null) {
    if (value.string.length > GROWTH_MAX_VALUE_LENGTH)
      throw new BadUserInputError(`\`${argument}.string\` is longer than ${GROWTH_MAX_VALUE_LENGTH} characters.`, `${argument}.string`);
    return value.string;
  }
  if (value.number !== undefined && value.number !== null) return value.number;
  if (value.boolean !== undefined && value.boolean !== null) return value.boolean ? 1 : 0;
  return growthDateTime(value.dateTime as Date, `${argument}.dateTime`);
}

/** Channel values by label: every value a string of at most 256 characters. */
export function channelValues(values: Record<string, unknown>, argument: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, value] of Object.entries(values)) {
    if (typeof value !== 'string' || value.length > GROWTH_MAX_VALUE_LENGTH || label === '') {
      throw new BadUserInputError(
        `\`${argument}\` must map non-empty labels to strings of at most ${GROWTH_MAX_VALUE_LENGTH} characters ("${label.slice(0, 40)}" does not).`,
        argument,
      );
    }
    out[label] = value;
  }
  return out;
}

/**
 * The random id of an event the caller gave none: derived from its content, so sending the same
 * event again (a retry of the mutation) is deduplicated by Jiguang.
 */
export function derivedRandomId(appKey: string, cuid: bigint, name: string, itime: number, properties: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([appKey, Number(cuid) <= Number.MAX_SAFE_INTEGER ? Number(cuid) : String(cuid), name, itime, canonical(properties)]))
    .digest('hex')
    .slice(0, 32);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
