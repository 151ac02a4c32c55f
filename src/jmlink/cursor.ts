// `shortLinks` cursors: opaque positions in an app's link list (base64url of `link:<position>`). The
// resolvers hand them out and read them back; the cost model reads them to price the pages a window
// after a cursor reads (src/jmlink/loaders.ts, `linkWindowCalls`).

const CURSOR_PREFIX = 'link:';

export function encodeCursor(position: number): string {
  return Buffer.from(CURSOR_PREFIX + position).toString('base64url');
}

/** The position a cursor stands for, or null when it is not a cursor this API returned. */
export function cursorPosition(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const position = Number(text.slice(CURSOR_PREFIX.length));
  return text.startsWith(CURSOR_PREFIX) && Number.isSafeInteger(position) && position >= 0 ? position : null;
}
