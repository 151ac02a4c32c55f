// Apollo plugin: every field's argument checks run once the operation and its variables are known and
// before any resolver, so bad input is BAD_USER_INPUT (HTTP 400) on every field — never hidden behind
// a parent's quota wait, budget refusal or stale fallback (a `stats` under a paused `shortLinks` would
// otherwise never run its checks). Each domain declares its checks next to its resolvers
// (`inputChecks`); the resolvers call the same functions for the values they normalise.
import type { ApolloServerPlugin } from '@apollo/server';
import { getArgumentValues } from 'graphql';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../core/errors.js';
import { preparedFields } from './selected-fields.js';

/** A field's argument check: throws BadUserInputError naming the argument. */
export type InputCheck = (args: Record<string, unknown>, ctx: GatewayContext) => void;

/** Checks by schema coordinate (`ShortLink.stats`). */
export type InputChecks = Readonly<Record<string, InputCheck>>;

/** A check written against the field's generated argument type (the arguments are coerced by the schema). */
export function inputCheck<A>(check: (args: A, ctx: GatewayContext) => unknown): InputCheck {
  return (args, ctx) => void check(args as A, ctx);
}

export function inputFirst(checks: InputChecks): ApolloServerPlugin<GatewayContext> {
  let fields: ReturnType<typeof preparedFields<InputCheck>> | undefined;
  return {
    async serverWillStart({ schema }) {
      fields = preparedFields(schema, (coordinate) => checks[coordinate]);
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (!operation || !fields) return;
          // Variables that do not coerce: execution reports that itself.
          const found = fields.of(operation, document, request.variables);
          if (!found) return;
          try {
            for (const [def, node, check] of found.fields) check(getArgumentValues(def, node, found.variables), contextValue);
          } catch (error) {
            // The whole request is refused before anything runs, as for a literal a scalar refused.
            if (error instanceof GatewayError && error.code === 'BAD_USER_INPUT') {
              throw new GatewayError('BAD_USER_INPUT', error.message, { ...error.extensions, http: { status: 400 } });
            }
            throw error;
          }
        },
      };
    },
  };
}
