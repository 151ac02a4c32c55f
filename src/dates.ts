// Calendar-day arithmetic on `yyyy-MM-dd` strings, in UTC so that no time zone shifts a day.
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a valid `yyyy-MM-dd`; NaN for anything else (including 2024-02-30). */
export function dayNumber(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return NaN;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return NaN;
  return ms / DAY_MS;
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
