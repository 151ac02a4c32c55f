// Apollo plugin: the cost and upstream-call limits, once the operation and its variables are known
// and before any resolver runs, so a document over them makes no upstream call at all.
import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, valueFromASTUntyped } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { CostLimits, Measure } from './cost.js';
import { CostModel } from './cost.js';

/** Measures kept per operation (the same document with the same variables measures the same). */
const MEASURES_PER_OPERATION = 64;

export function costLimitPlugin(limits: CostLimits): ApolloServerPlugin<GatewayContext> {
  let model: CostModel | undefined;
  // Apollo hands out the same parsed document for the same query text, so these follow its cache.
  const usesApps = new WeakMap<DocumentNode, boolean>();
  const measured = new WeakMap<OperationDefinitionNode, Map<string, Measure>>();
  return {
    async serverWillStart({ schema }) {
      model = new CostModel(schema, limits);
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (!operation) return;
          let apps = usesApps.get(document);
          if (apps === undefined) usesApps.set(document, (apps = document.loc ? /\bapps\b/.test(document.loc.source.body) : true));
          const visibleApps = apps ? (await contextValue.visibleApps()).length : 0;
          const variables = withDefaults(operation, request.variables ?? {});
          const key = `${visibleApps}|${JSON.stringify(variables)}`;
          let known = measured.get(operation);
          const hit = known?.get(key);
          if (hit) {
            model!.refuseOver(hit);
            contextValue.estimate.measure = hit;
            return;
          }
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const def of document.definitions) if (def.kind === 'FragmentDefinition') fragments[def.name.value] = def;
          const measure = model!.check({ operation, fragments, variables, visibleApps });
          contextValue.estimate.measure = measure;
          if (!known) measured.set(operation, (known = new Map()));
          if (known.size >= MEASURES_PER_OPERATION) known.clear();
          if (key.length <= 1_024) known.set(key, measure);
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
