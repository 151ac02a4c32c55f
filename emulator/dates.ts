// Calendar days as integers (days since 1970-01-01) and yyyy-MM-dd strings. Jiguang counts days in
// China Standard Time (UTC+8, no daylight saving), so "today", link creation days and statistics rows are
// UTC+8 calendar days: an instant becomes a day here and only here, so no other module handles time zones.

export const DAY_MS = 86_400_000;

/** Jiguang's offset from UTC (China Standard Time). */
export const JIGUANG_UTC_OFFSET_MS = 8 * 3_600_000;

/** The UTC+8 calendar day holding the instant `ms` (epoch milliseconds). */
export function jiguangDay(ms: number): number {
  return Math.floor((ms + JIGUANG_UTC_OFFSET_MS) / DAY_MS);
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Day number of a valid yyyy-MM-dd calendar date, or null (2024-02-30 is invalid). */
export function parseDay(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || formatDay(ms / DAY_MS) !== text) return null;
  return ms / DAY_MS;
}
