// Apollo plugin: when any field was answered from data kept past its freshness because Jiguang
// failed or its quota was spent, the response says so — `extensions.stale` lists the paths, their
// age and when the data was fetched — so a frontend can show "as of 14:02".
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';

export const staleExtension: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (contextValue.stalePaths.length === 0 || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, stale: contextValue.stalePaths };
      },
    };
  },
};
