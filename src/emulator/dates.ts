// Calendar days as integers (days since 1970-01-01, UTC) and yyyy-MM-dd strings: link dates, stat
// rows and "today" are all computed this way so that no time zone shifts a day.

export const DAY_MS = 86_400_000;

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
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
