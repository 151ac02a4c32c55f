// Variables of the gateway's namespaces (JIGUANG_*, GATEWAY_*) that are not settings: a typo, or a
// setting that was replaced. Each is a problem, with the closest known name or what replaced it. So is
// a variable one or two edits away from a setting outside those namespaces (DATABSE_URL, REDIS_URI):
// a misspelt DATABASE_URL would otherwise start a fleet replica on a file registry.

/** Settings that were replaced, and what replaced them. */
const RETIRED: Record<string, string> = {
  GATEWAY_TOKEN_REQUESTS_PER_MINUTE:
    'no longer a setting: a token\'s upstream calls are limited by GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE, and its requests only by the flood guard GATEWAY_TOKEN_REQUESTS_PER_SECOND (docs/limits-and-cost.md, "Fairness between callers")',
};

/** One problem per name of `names` in the JIGUANG_ or GATEWAY_ namespace that is not in `known`. */
export function unknownSettings(names: Iterable<string>, known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const name of names) {
    if (/^(JIGUANG|GATEWAY)_/.test(name) && !known.has(name)) problems.push(`${name}: ${RETIRED[name] ?? `not a setting of the gateway${closest(name, known)}`}`);
  }
  return problems;
}

/** Settings read outside the gateway's namespaces, whose misspellings are reported too. */
const UNPREFIXED = [
  'DATABASE_URL',
  'REDIS_URL',
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'NODE_ENV',
  'UPSTREAM_TIMEOUT_MS',
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_SERVICE_NAME',
];

/**
 * One problem per name that is not a setting but is within a small edit of one of UNPREFIXED: one
 * edit for names of up to 6 characters (HOME is not HOST), two for longer ones; a swap of two
 * neighbours counts as one edit (PROT).
 */
export function misspeltSettings(names: Iterable<string>, known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const name of names) {
    if (known.has(name) || UNPREFIXED.includes(name) || /^(JIGUANG|GATEWAY)_/.test(name) || name.length < 4) continue;
    for (const setting of UNPREFIXED) {
      if (distance(name, setting) <= (setting.length <= 6 ? 1 : 2)) {
        problems.push(`${name}: not a setting of the gateway (did you mean ${setting}?)`);
        break;
      }
    }
  }
  return problems;
}

/** ` (did you mean X?)` for the known name closest to a misspelt one, when one is close. */
function closest(name: string, known: ReadonlySet<string>): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${best}?)` : '';
}

/** Edit distance, a swap of two neighbouring characters counting as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j]!, before[j - 2]! + 1);
    }
    [before, previous] = [previous, current];
  }
  return previous[b.length]!;
}
