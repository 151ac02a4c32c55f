// Validation rules that bound the work one document can ask for: its depth, and a cost in which a
// field counts 1 and a list field's selections count once per item it may return (`first`, or the
// list's upper bound when `first` is a variable). Both run before any resolver, so no upstream call
// is made for a document that is too big.
import {
  GraphQLError,
  Kind,
  getNamedType,
  isObjectType,
  isInterfaceType,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

const MAX_LIST_SIZE = 500;

export function limitsRule(maxDepth: number, maxCost: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

    const schema = context.getSchema();
    const measure = (set: SelectionSetNode | undefined, type: GraphQLNamedType | undefined, depth: number, seen: Set<string>): { depth: number; cost: number } => {
      if (!set) return { depth, cost: 0 };
      let deepest = depth;
      let cost = 0;
      for (const selection of set.selections) {
        let inner: { depth: number; cost: number };
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith('__')) continue; // introspection is bounded by the schema
          const def = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[selection.name.value] : undefined;
          const child = measure(selection.selectionSet, def && getNamedType(def.type), depth + 1, seen);
          inner = { depth: child.depth, cost: 1 + child.cost * multiplier(selection, def) };
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const cond = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
          inner = measure(selection.selectionSet, cond ?? undefined, depth, seen);
        } else {
          const name = selection.name.value;
          if (seen.has(name)) continue; // cycles are reported by NoFragmentCyclesRule
          const fragment = fragments.get(name);
          const cond = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          inner = measure(fragment?.selectionSet, cond ?? undefined, depth, new Set([...seen, name]));
        }
        deepest = Math.max(deepest, inner.depth);
        cost += inner.cost;
      }
      return { depth: deepest, cost };
    };

    return {
      OperationDefinition(node) {
        const root = schema.getRootType(node.operation) ?? undefined;
        const { depth, cost } = measure(node.selectionSet, root, 0, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`The query is ${depth} levels deep; at most ${maxDepth} are allowed.`, { nodes: [node] }));
        }
        if (cost > maxCost) {
          context.reportError(new GraphQLError(`The query's cost is ${cost}; at most ${maxCost} is allowed. Ask for fewer items (\`first\`) or fewer fields.`, { nodes: [node] }));
        }
      },
    };
  };
}

/** How many items a field may return: its `first` (literal or default), the bound when a variable. */
function multiplier(field: FieldNode, def: GraphQLField<unknown, unknown> | undefined): number {
  const argument = def?.args.find((a) => a.name === 'first');
  if (!argument) return 1;
  const given = field.arguments?.find((a) => a.name.value === 'first')?.value;
  const value = given === undefined ? argument.defaultValue : given.kind === Kind.INT ? Number(given.value) : MAX_LIST_SIZE;
  return Math.min(Math.max(typeof value === 'number' ? value : MAX_LIST_SIZE, 1), MAX_LIST_SIZE);
}
