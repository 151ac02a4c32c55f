// Apollo plugin: who may run what, decided once per operation with the one rule (src/auth/authorize.ts)
// as soon as the operation and its variables are known — before any resolver, and before the input
// checks (src/plugins/input-first.ts; listed before it in src/server.ts), so a reader's mutation is
// FORBIDDEN whatever its input. What each field needs is declared in the schema (schema/access.graphql)
// and read once at start-up: `@scope(level:)` on a field that acts on the whole developer account or
// the Operation Growth project, `@appKey` on the arguments and input fields naming the app a field
// acts on. Every other App field is reached through one of those or through `apps`, which lists only
// the apps the token may use; resolvers check input only.
//
// A mutation of a reader refuses the whole request (HTTP 403, no data). A field that a token limited to
// some apps may not run is refused where it stands, as any field error: null with its FORBIDDEN error
// (HTTP 403), nothing under it runs, the operation's other fields still answer. Its resolver is never
// called: at start-up the plugin puts the decision in front of the resolvers of the declared fields.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  defaultFieldResolver,
  type FieldNode,
  type GraphQLArgument,
  type GraphQLDirective,
  type GraphQLError,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
} from 'graphql';
import { authorize } from '../auth/authorize.js';
import type { Caller } from '../auth/callers.js';
import type { GatewayContext } from '../context.js';
import { ForbiddenError } from '../core/errors.js';
import { preparedFields } from './selected-fields.js';

/** What running one field needs beyond its operation's type, from its schema directives. */
export interface FieldAccess {
  /** `@scope(level:)`: the whole account or project. */
  level: 'account' | 'project' | undefined;
  /** Where the field's arguments hold app keys (`@appKey`): an argument's name, then input fields' names. */
  appKeys: readonly (readonly string[])[];
}

/** The access every declared field needs, by schema coordinate (`Query.app`); a start-up error names a directive it cannot apply. */
export function accessTable(schema: GraphQLSchema): Map<string, FieldAccess> {
  const scope = directive(schema, 'scope');
  const appKey = directive(schema, 'appKey');
  const marked = (node: GraphQLArgument | GraphQLInputField, where: string): boolean => {
    if (!node.astNode || !getDirectiveValues(appKey, node.astNode)) return false;
    const named = getNamedType(node.type).name;
    if (named !== 'ID' && named !== 'String') throw new Error(`access: ${where}: @appKey on a ${named}; an app key is an ID or a String (schema/access.graphql).`);
    return true;
  };
  // The paths to app keys inside each input type (none for most), each type once.
  const inside = new Map<string, string[][]>();
  const pathsIn = (type: GraphQLInputType, open: Set<string>): string[][] => {
    const named = getNamedType(type);
    if (!isInputObjectType(named)) return [];
    const known = inside.get(named.name);
    if (known) return known;
    if (open.has(named.name)) return []; // a recursive input type: its own keys are found at its first level
    open.add(named.name);
    const paths: string[][] = [];
    for (const field of Object.values(named.getFields())) {
      if (marked(field, `${named.name}.${field.name}`)) paths.push([field.name]);
      else for (const path of pathsIn(field.type, open)) paths.push([field.name, ...path]);
    }
    open.delete(named.name);
    inside.set(named.name, paths);
    return paths;
  };
  const table = new Map<string, FieldAccess>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (!isObjectType(type) && !isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const declared = field.astNode ? (getDirectiveValues(scope, field.astNode) as { level: 'ACCOUNT' | 'PROJECT' } | undefined) : undefined;
      const appKeys: string[][] = [];
      for (const arg of field.args) {
        if (marked(arg, `${coordinate}(${arg.name}:)`)) appKeys.push([arg.name]);
        else for (const path of pathsIn(arg.type, new Set())) appKeys.push([arg.name, ...path]);
      }
      if (declared || appKeys.length > 0) table.set(coordinate, { level: declared ? (declared.level === 'ACCOUNT' ? 'account' : 'project') : undefined, appKeys });
    }
  }
  return table;
}

/** FORBIDDEN when `caller` may not run a field needing `access` with these arguments; null when it may. */
export function fieldRefusal(caller: Caller, access: FieldAccess, args: () => Record<string, unknown>): ForbiddenError | null {
  try {
    if (access.level) authorize(caller, { kind: access.level });
    if (access.appKeys.length > 0) {
      const values = args();
      for (const path of access.appKeys) for (const appKey of keysAt(values, path, 0)) authorize(caller, { kind: 'app', appKey });
    }
    return null;
  } catch (error) {
    if (error instanceof ForbiddenError) return error;
    throw error;
  }
}

export function authorizeOperation(): ApolloServerPlugin<GatewayContext> {
  let table = new Map<string, FieldAccess>();
  let fields: ReturnType<typeof preparedFields<FieldAccess>> | undefined;
  // The fields refused to one request's operation (Apollo gives every operation of a batch its own
  // context), by where each stands in the document's text: the executor may run a parse of the same
  // text other than the one checked here (a compiled document is kept by its hash), so not by node.
  const refusals = new WeakMap<GatewayContext, Map<number | FieldNode, GraphQLError>>();
  return {
    async serverWillStart({ schema }) {
      table = accessTable(schema);
      fields = preparedFields(schema, (coordinate) => table.get(coordinate));
      for (const coordinate of table.keys()) {
        const [typeName, fieldName] = coordinate.split('.') as [string, string];
        const type = schema.getType(typeName);
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[fieldName] : undefined;
        if (!field) continue;
        const resolve = field.resolve ?? defaultFieldResolver;
        field.resolve = (source, args, ctx: GatewayContext, info) => {
          const refused = refusals.get(ctx);
          if (refused) for (const node of info.fieldNodes) if (refused.has(fieldAt(node))) throw refused.get(fieldAt(node));
          return resolve(source, args, ctx, info);
        };
      }
    },
    async requestDidStart() {
      return {
        // Synchronous up to its refusal: Apollo runs the plugins' hooks together, and the first to refuse is the answer.
        async didResolveOperation({ operation, document, request, contextValue }) {
          if (!operation || !fields) return;
          authorize(contextValue.caller, { kind: 'operation', type: operation.operation });
          // Variables that do not coerce: execution refuses them before any resolver.
          const found = fields.of(operation, document, request.variables);
          if (!found || found.fields.length === 0) return;
          const refused = new Map<number | FieldNode, GraphQLError>();
          for (const [def, node, access] of found.fields) {
            const error = fieldRefusal(contextValue.caller, access, () => getArgumentValues(def, node, found.variables));
            if (error) refused.set(fieldAt(node), error);
          }
          if (refused.size > 0) refusals.set(contextValue, refused);
        },
      };
    },
  };
}

/** A field's place in its document's text (Apollo parses with locations), or the node itself without one. */
const fieldAt = (node: FieldNode): number | FieldNode => node.loc?.start ?? node;

function directive(schema: GraphQLSchema, name: string): GraphQLDirective {
  const found = schema.getDirective(name);
  if (!found) throw new Error(`access: the schema does not define @${name} (schema/access.graphql).`);
  return found;
}

/** The strings at `path` inside `value`, through lists. */
function keysAt(value: unknown, path: readonly string[], at: number): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item) => keysAt(item, path, at));
  if (at === path.length) return typeof value === 'string' ? [value] : [];
  return typeof value === 'object' ? keysAt((value as Record<string, unknown>)[path[at]!], path, at + 1) : [];
}
