// How a per-request loader turns the questions of one batch into calls to Jiguang, described once
// next to the loader: the loader runs the description and the cost model (src/limits/cost.ts) prices
// a document with it, so the estimate and the calls made come from the same rule. A field that calls
// Jiguang names how it is priced in the schema, `@upstream(rule: "…")` (schema/directives.graphql):
// the name is that of an `UpstreamRule` below, declared next to the code that makes the calls and
// listed in src/limits/upstream-rules.ts.
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

/** A field as a document asks for it, for its rule to price one resolution. */
export interface PricedField {
  /** The arguments with the variables' values, the schema's default for one left out or null (not coerced: check the types). */
  args: Readonly<Record<string, unknown>>;
  /** The items the field's `@listSize` takes from its slicing arguments (at most `assumedSize`); undefined when none is given. */
  sliced: number | undefined;
}

/** A field whose every resolution makes calls of its own (Growth's chunked writes). */
export interface OwnCallsRule {
  /** The name `@upstream(rule:)` gives it in the schema: `<service>.<what>`. */
  readonly name: string;
  /** The calls one resolution makes. */
  calls(field: PricedField): number;
}

/**
 * A field that asks a batching loader: the questions of one object's fields are priced together by
 * the loader's `batch` rule. The object's own identity is left blank in the questions (`appKey: ''`):
 * every question priced together is about the same object.
 */
export interface BatchedCallsRule<Q> {
  readonly name: string;
  readonly batch: BatchRule<Q, unknown>;
  /** The questions one resolution asks; null when the resolver refuses these arguments before any call (priced as one call). */
  asks(field: PricedField): readonly Q[] | null;
}

export type UpstreamRule = OwnCallsRule | BatchedCallsRule<unknown>;
