// Apollo plugin: a mutation runs only for an admin caller. Checked once the operation is known and
// before any resolver, so a reader's mutation makes no upstream call.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { ForbiddenError } from '../errors.js';

export const mutationsNeedAdmin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        if (operation?.operation === 'mutation' && contextValue.caller.role !== 'admin') {
          throw new ForbiddenError(`Mutations need an admin token; "${contextValue.caller.name}" is a ${contextValue.caller.role}.`);
        }
      },
    };
  },
};
