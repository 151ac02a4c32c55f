// Variables of the gateway's namespaces (JIGUANG_*, GATEWAY_*) that are not settings: a typo, or a
// setting that was replaced. Each is a problem, with the closest known name or what replaced it.

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

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
