// What JSON looks like once parsed: the one object test every layer uses (upstream envelopes,
// manifests, request bodies).

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
