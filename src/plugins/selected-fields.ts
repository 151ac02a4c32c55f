// The fields an operation will execute, for the plugins that look at fields before execution
// (src/plugins/input-first.ts, src/plugins/authorize-operation.ts): the selections of the operation
// and of its fragments, honouring @skip and @include with the request's variables, each fragment once.
// Worked out once per operation (Apollo hands out the same parsed document for the same text) unless
// @skip/@include make them depend on the variables; the variables are coerced once per request.
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLNamedType,
  type GraphQLSchema,
  GraphQLSkipDirective,
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

/** A field of the operation whose schema coordinate (`ShortLink.stats`) `pick` gave something for. */
export type Picked<T> = [def: GraphQLField<unknown, unknown>, node: FieldNode, picked: T];

/** Variables under which every @skip/@include is ignored: what a document may execute under any variables. */
export const ALWAYS: Record<string, unknown> = Object.freeze({});

/** The fragments of a document by name. */
export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  return fragments;
}

/** Every field the request will execute (honouring @skip and @include under `variables`) that `pick` picks, each node once. */
export function selectedFields<T>(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  pick: (coordinate: string) => T | undefined,
): Picked<T>[] {
  const out: Picked<T>[] = [];
  collect(schema, schema.getRootType(operation.operation) ?? undefined, operation.selectionSet, fragments, pick, variables, new Set(), out);
  return out;
}

function collect<T>(
  schema: GraphQLSchema,
  type: GraphQLNamedType | undefined,
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  pick: (coordinate: string) => T | undefined,
  variables: Record<string, unknown>,
  seen: Set<string>,
  out: Picked<T>[],
): void {
  for (const selection of set.selections) {
    if (!included(selection, variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const def = fieldOf(type, selection.name.value);
      if (!def) continue;
      const picked = pick(`${type!.name}.${def.name}`);
      if (picked !== undefined) out.push([def, selection, picked]);
      if (selection.selectionSet) collect(schema, getNamedType(def.type), selection.selectionSet, fragments, pick, variables, seen, out);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const cond = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? undefined) : type;
      collect(schema, cond, selection.selectionSet, fragments, pick, variables, seen, out);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment) collect(schema, schema.getType(fragment.typeCondition.name.value) ?? undefined, fragment.selectionSet, fragments, pick, variables, seen, out);
    }
  }
}

function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  if (variables === ALWAYS || !node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function fieldOf(type: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  return type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
}

/**
 * The fields of an operation that `pick` picks, under a request's variables: found once per
 * operation when no @skip/@include can change them (most documents), else walked per request.
 */
export function preparedFields<T>(schema: GraphQLSchema, pick: (coordinate: string) => T | undefined) {
  const prepared = new WeakMap<OperationDefinitionNode, { fields: Picked<T>[]; conditional: boolean }>();
  const fragmentsByDocument = new WeakMap<DocumentNode, Record<string, FragmentDefinitionNode>>();
  return {
    /** The picked fields, or null when the variables do not coerce (execution refuses them before any resolver). */
    of(
      operation: OperationDefinitionNode,
      document: DocumentNode,
      variables: Record<string, unknown> | undefined,
    ): { fields: Picked<T>[]; variables: Record<string, unknown> } | null {
      let fragments = fragmentsByDocument.get(document);
      if (!fragments) fragmentsByDocument.set(document, (fragments = fragmentsOf(document)));
      let plan = prepared.get(operation);
      if (!plan) {
        const frags = fragments;
        plan = { fields: selectedFields(schema, operation, frags, ALWAYS, pick), conditional: hasConditions(operation.selectionSet, frags, new Set()) };
        prepared.set(operation, plan);
      }
      if (plan.fields.length === 0) return { fields: plan.fields, variables: {} };
      const coerced = coerceVariables(schema, operation, variables);
      if (!coerced) return null;
      return { fields: plan.conditional ? selectedFields(schema, operation, fragments, coerced, pick) : plan.fields, variables: coerced };
    },
  };
}

/** Whether any selection, in the operation or its fragments, carries a directive (@skip/@include). */
function hasConditions(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen: Set<string>): boolean {
  for (const selection of set.selections) {
    if (selection.directives?.length) return true;
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      if (seen.has(selection.name.value)) continue;
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment && hasConditions(fragment.selectionSet, fragments, seen)) return true;
    } else if (selection.selectionSet && hasConditions(selection.selectionSet, fragments, seen)) return true;
  }
  return false;
}

/** Coerced variables per request (Apollo hands every plugin the same `variables` object), and per operation when none were sent. */
const coercedByRequest = new WeakMap<object, Record<string, unknown> | null>();
const coercedWithoutVariables = new WeakMap<OperationDefinitionNode, Record<string, unknown> | null>();

/** The variables as execution will see them (defaults applied, scalars parsed), or null when they do not coerce. */
export function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): Record<string, unknown> | null {
  const cache: WeakMap<object, Record<string, unknown> | null> = variables ? coercedByRequest : coercedWithoutVariables;
  const key: object = variables ?? operation;
  let coerced = cache.get(key);
  if (coerced === undefined) {
    const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
    coerced = result.errors ? null : result.coerced;
    cache.set(key, coerced);
  }
  return coerced;
}
