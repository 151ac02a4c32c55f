// How a per-request loader turns the questions of one batch into calls to Jiguang, described once
// next to the loader: the loader runs the description and the cost model (src/limits/cost.ts) prices
// a document with it, so the estimate and the calls made come from the same rule.
//
// Why pricing one object at a time never under-estimates: the fields of one object are resolved in
// one synchronous pass (graphql-js), so the questions they ask are always in one batch; questions
// from different objects may or may not share a batch, and every plan below costs no more for a union
// of questions than for its parts (chunks: ⌈(a+b)/n⌉ ≤ ⌈a/n⌉+⌈b/n⌉; one call per group; covering
// ranges: the merge is optimal, see src/jmlink/loaders.ts).

export interface BatchRule<Q, C> {
  /** The same question asked twice in a request is asked once (the loader's cache key). */
  key(query: Q): string;
  /** Questions of different groups never share a call. */
  group(query: Q): string;
  /** The calls one group of distinct questions becomes (every call it plans is made at most once). */
  plan(group: readonly Q[]): C[];
}

/** The distinct questions of a batch, by group, in the order they were first asked. */
export function groupBatch<Q>(rule: BatchRule<Q, unknown>, queries: readonly Q[]): Q[][] {
  const groups = new Map<string, Q[]>();
  const seen = new Set<string>();
  for (const query of queries) {
    const key = rule.key(query);
    if (seen.has(key)) continue;
    seen.add(key);
    const id = rule.group(query);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = []));
    group.push(query);
  }
  return [...groups.values()];
}
