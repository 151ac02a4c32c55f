// The rules `@upstream(rule: "…")` names in the schema (schema/directives.graphql), each declared
// next to the code that makes the calls it prices (src/http/batch.ts says how). A field of a new
// endpoint is priced by a directive in the schema: `@upstream(calls: n)` when each resolution makes
// n calls of its own, `@upstream(rule: "…")` when it asks a loader or its calls depend on its input —
// with one more line here only when that needs a rule of its own.
import { growthChunkCalls } from '../growth/batch.js';
import { growthUserCalls } from '../growth/loaders.js';
import type { UpstreamRule } from '../http/batch.js';
import { linkKeyWalkCalls, linkStatsCalls, linkWindowCalls } from '../jmlink/loaders.js';
import { portraitTagCalls } from '../portrait/loaders.js';

export const UPSTREAM_RULES: readonly UpstreamRule[] = [growthUserCalls, growthChunkCalls, linkWindowCalls, linkKeyWalkCalls, linkStatsCalls, portraitTagCalls];
