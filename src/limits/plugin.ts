// Apollo plugin: the cost and upstream-call limits, once the operation and its variables are known
// and before any resolver runs, so a document over them makes no upstream call at all.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { CostLimits } from './cost.js';
import { CostModel } from './cost.js';

export function costLimitPlugin(limits: CostLimits): ApolloServerPlugin<GatewayContext> {
  let model: CostModel | undefined;
  return {
    async serverWillStart({ schema }) {
      model = new CostModel(schema, limits);
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (!operation) return;
          const fragments: Record<string, import('graphql').FragmentDefinitionNode> = {};
          for (const def of document.definitions) if (def.kind === 'FragmentDefinition') fragments[def.name.value] = def;
          const visibleApps = operationUsesApps(document) ? (await contextValue.visibleApps()).length : 0;
          model!.check({ operation, fragments, variables: request.variables ?? {}, visibleApps });
        },
      };
    },
  };
}

/** Whether `apps` appears in the document at all (else the registry is not asked). */
function operationUsesApps(document: import('graphql').DocumentNode): boolean {
  return document.loc ? /\bapps\b/.test(document.loc.source.body) : true;
}
