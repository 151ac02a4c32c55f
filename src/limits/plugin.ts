// Apollo plugin: the cost and upstream-call limits, once the operation and its variables are known
// and before any resolver runs, so a document over them makes no upstream call at all.
import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, valueFromASTUntyped } from 'graphql';
import type { CostLimits, Measure } from './cost.js';
import { CostModel } from './cost.js';

/** What the plugin needs of a request's context (src/context.ts): the request sizes below, and where the measure goes. */
export interface CostContext {
  readonly estimate: { measure: Measure | null };
  visibleApps(): Promise<readonly unknown[]>;
}

/** The sizes the schema's `@listSizeFrom(request:)` names, as a request knows them (asked for only by operations that use them). */
const REQUEST_SIZES: Readonly<Record<string, (ctx: CostContext) => Promise<number>>> = {
  visibleApps: async (ctx) => (await ctx.visibleApps()).length,
};

/** Measures kept per operation (the same document with the same variables measures the same): few, with short keys, for each of the ~1,000 tiny operations Apollo's document store can hold. */
const MEASURES_PER_OPERATION = 16;

export function costLimitPlugin(limits: CostLimits): ApolloServerPlugin<CostContext> {
  let model: CostModel | undefined;
  // Apollo hands out the same parsed document for the same query text, so these follow its cache.
  const sizesNeeded = new WeakMap<OperationDefinitionNode, string[]>();
  const measured = new WeakMap<OperationDefinitionNode, Map<string, Measure>>();
  return {
    async serverWillStart({ schema }) {
      model = new CostModel(schema, limits);
      const unknown = model.requestSizeNames.filter((name) => !Object.hasOwn(REQUEST_SIZES, name));
      if (unknown.length > 0) throw new Error(`cost: @listSizeFrom(request:) names ${unknown.join(', ')}, which src/limits/plugin.ts does not provide.`);
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (!operation) return;
          let fragments: Record<string, FragmentDefinitionNode> | undefined;
          const fragmentsOf = () => (fragments ??= fragmentsByName(document));
          let needed = sizesNeeded.get(operation);
          if (!needed) sizesNeeded.set(operation, (needed = model!.requestSizesOf(operation, fragmentsOf())));
          const sizes: Record<string, number> = {};
          for (const name of needed) sizes[name] = await REQUEST_SIZES[name]!(contextValue);
          const variables = withDefaults(operation, request.variables ?? {});
          const key = `${JSON.stringify(sizes)}|${JSON.stringify(variables)}`;
          let known = measured.get(operation);
          const hit = known?.get(key);
          if (hit) {
            model!.refuseOver(hit);
            contextValue.estimate.measure = hit;
            return;
          }
          const measure = model!.check({ operation, fragments: fragmentsOf(), variables, sizes });
          contextValue.estimate.measure = measure;
          if (!known) measured.set(operation, (known = new Map()));
          if (known.size >= MEASURES_PER_OPERATION) known.clear();
          if (key.length <= 256) known.set(key, measure);
        },
      };
    },
  };
}

/** The variables as execution sees them: the operation's defaults stand in for those not sent (Apollo hands the plugin only what was sent). */
function withDefaults(operation: OperationDefinitionNode, sent: Record<string, unknown>): Record<string, unknown> {
  const missing = operation.variableDefinitions?.filter((d) => d.defaultValue && !Object.hasOwn(sent, d.variable.name.value));
  if (!missing?.length) return sent;
  const variables = { ...sent };
  for (const d of missing) variables[d.variable.name.value] = valueFromASTUntyped(d.defaultValue!);
  return variables;
}

function fragmentsByName(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  return fragments;
}
