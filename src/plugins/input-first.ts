// Apollo plugin: every field's argument checks run once the operation and its variables are known and
// before any resolver, so bad input is BAD_USER_INPUT (HTTP 400) on every field — never hidden behind
// a parent's quota wait, budget refusal or stale fallback (a `stats` under a paused `shortLinks` would
// otherwise never run its checks). Each domain declares its checks next to its resolvers
// (`inputChecks`); the resolvers call the same functions for the values they normalise.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLNamedType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getVariableValues,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';

/** A field's argument check: throws BadUserInputError naming the argument. */
export type InputCheck = (args: Record<string, unknown>, ctx: GatewayContext) => void;

/** Checks by schema coordinate (`ShortLink.stats`). */
export type InputChecks = Readonly<Record<string, InputCheck>>;

/** A check written against the field's generated argument type (the arguments are coerced by the schema). */
export function inputCheck<A>(check: (args: A, ctx: GatewayContext) => unknown): InputCheck {
  return (args, ctx) => void check(args as A, ctx);
}

export function inputFirst(checks: InputChecks): ApolloServerPlugin<GatewayContext> {
  let schema: GraphQLSchema | undefined;
  // Whether an operation has any checked field at all: most have none, and skip the walk.
  const checked = new WeakMap<OperationDefinitionNode, boolean>();
  return {
    async serverWillStart(service) {
      schema = service.schema;
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (!operation || !schema) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
          let any = checked.get(operation);
          if (any === undefined) checked.set(operation, (any = hasChecked(schema, operation, fragments, checks)));
          if (!any) return;
          // Variables as execution will see them; when they do not coerce, execution reports that itself.
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (coerced.errors) return;
          const fields: [GraphQLField<unknown, unknown>, FieldNode, InputCheck][] = [];
          collect(schema, schema.getRootType(operation.operation) ?? undefined, operation.selectionSet, fragments, checks, coerced.coerced, new Set(), fields);
          try {
            for (const [def, node, check] of fields) check(getArgumentValues(def, node, coerced.coerced), contextValue);
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

/** Every field with a check that the request will execute (honouring @skip and @include), each node once. */
function collect(
  schema: GraphQLSchema,
  type: GraphQLNamedType | undefined,
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  checks: InputChecks,
  variables: Record<string, unknown>,
  seen: Set<string>,
  out: [GraphQLField<unknown, unknown>, FieldNode, InputCheck][],
): void {
  for (const selection of set.selections) {
    if (!included(selection, variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const def = fieldOf(type, selection.name.value);
      if (!def) continue;
      const check = checks[`${type!.name}.${def.name}`];
      if (check) out.push([def, selection, check]);
      if (selection.selectionSet) collect(schema, getNamedType(def.type), selection.selectionSet, fragments, checks, variables, seen, out);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const cond = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? undefined) : type;
      collect(schema, cond, selection.selectionSet, fragments, checks, variables, seen, out);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment) collect(schema, schema.getType(fragment.typeCondition.name.value) ?? undefined, fragment.selectionSet, fragments, checks, variables, seen, out);
    }
  }
}

/** Whether a document has a checked field anywhere (whatever @skip/@include decide per request). */
function hasChecked(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, checks: InputChecks): boolean {
  const found: [GraphQLField<unknown, unknown>, FieldNode, InputCheck][] = [];
  collect(schema, schema.getRootType(operation.operation) ?? undefined, operation.selectionSet, fragments, checks, ALWAYS, new Set(), found);
  return found.length > 0;
}

/** Variables under which every @skip/@include is ignored (see `included`). */
const ALWAYS: Record<string, unknown> = Object.freeze({});

function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (variables === ALWAYS || !node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function fieldOf(type: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  return type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
}
