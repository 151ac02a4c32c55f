// The fields an operation will execute, for the plugins that look at fields before execution
// (src/plugins/input-first.ts, src/plugins/authorize-operation.ts): the selections of the operation
// and of its fragments, honouring @skip and @include with the request's variables, each fragment once.
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
