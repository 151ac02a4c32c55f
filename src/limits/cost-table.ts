// The cost the schema declares (schema/directives.graphql), read once at start-up into a table by
// schema coordinate (`App.shortLinks`) that the cost model measures documents with (src/limits/cost.ts):
// a field's weight (`@cost`, 1 by default), the size of its list or of the lists of the object it
// returns (`@listSize`, `@listSizeFrom`), and the calls to Jiguang each resolution makes
// (`@upstream`, its rule by name from src/limits/upstream-rules.ts). Introspection's lists get the
// schema's own sizes. A directive the model cannot apply stops the start-up with the coordinate named.
// `requireOneSlicingArgument` is not enforced: the resolvers check their arguments.
import {
  type ConstDirectiveNode,
  type GraphQLArgument,
  type GraphQLDirective,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  getDirectiveValues,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { dayNumber } from '../core/dates.js';
import type { UpstreamRule } from '../http/batch.js';

/** The items a list counts when nothing declares its size. */
export const DEFAULT_LIST_SIZE = 10;

/** Where a field's list size comes from (`@listSize`, `@listSizeFrom`). */
export interface ListSizing {
  /** The arguments whose value is the size: an Int, or a list (its length). */
  slicingArguments: readonly { name: string; list: boolean }[];
  assumedSize: number | undefined;
  /** A size known per request (`visibleApps`). */
  request: string | undefined;
  /** Two LocalDate arguments: the days between them, inclusive. */
  dayRange: readonly [from: string, to: string] | undefined;
}

export interface FieldCost {
  /** `@cost` of the field, else of its type; 1 without either. */
  weight: number;
  /** `@cost` of arguments, counted when given. */
  argumentWeights: readonly (readonly [name: string, weight: number])[];
  /** The field returns a list: what it selects counts once per item. */
  list: boolean;
  sizing: ListSizing | undefined;
  /** The lists of the returned object that `sizing` sizes; undefined when it sizes the field itself. */
  sizedFields: ReadonlySet<string> | undefined;
  /** Calls each resolution makes of its own (`@upstream(calls:)`) and the rule that prices the others (`@upstream(rule:)`). */
  calls: number;
  rule: UpstreamRule | undefined;
}

export class CostTable {
  private readonly fields = new Map<string, FieldCost>();
  /** The request sizes (`@listSizeFrom(request:)`) the schema uses. */
  readonly requestSizes = new Set<string>();

  constructor(schema: GraphQLSchema, rules: readonly UpstreamRule[]) {
    const read = reader(schema);
    const rulesByName = new Map(rules.map((r) => [r.name, r]));
    const introspection = introspectionSizes(schema);
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        try {
          const entry = fieldCost(field, read, rulesByName);
          const known = introspection[coordinate];
          if (known !== undefined) entry.sizing = { slicingArguments: [], assumedSize: known, request: undefined, dayRange: undefined };
          if (entry.sizing?.request) this.requestSizes.add(entry.sizing.request);
          this.fields.set(coordinate, entry);
        } catch (error) {
          throw new Error(`cost: ${coordinate}: ${error instanceof Error ? error.message : String(error)} (schema/directives.graphql)`);
        }
      }
    }
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isInputObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (read.cost(field.astNode?.directives) !== undefined) throw new Error(`cost: ${type.name}.${field.name}: @cost on input fields is not priced by the gateway.`);
      }
    }
  }

  /** The cost of a field (one the schema does not hold, such as `__typename`: weight 1, nothing declared). */
  field(coordinate: string, def: GraphQLField<unknown, unknown>): FieldCost {
    let entry = this.fields.get(coordinate);
    if (!entry) this.fields.set(coordinate, (entry = { ...PLAIN, list: isList(def.type) }));
    return entry;
  }
}

const PLAIN: FieldCost = { weight: 1, argumentWeights: [], list: false, sizing: undefined, sizedFields: undefined, calls: 0, rule: undefined };

type Directives = readonly ConstDirectiveNode[] | undefined;

/** Reads this schema's cost directives off an AST node's directives. */
function reader(schema: GraphQLSchema) {
  const directive = (name: string): GraphQLDirective => {
    const found = schema.getDirective(name);
    if (!found) throw new Error(`cost: the schema does not define @${name} (schema/directives.graphql).`);
    return found;
  };
  const cost = directive('cost');
  const listSize = directive('listSize');
  const listSizeFrom = directive('listSizeFrom');
  const upstream = directive('upstream');
  const values = (d: GraphQLDirective, directives: Directives) => (directives ? getDirectiveValues(d, { directives }) : undefined);
  return {
    cost(directives: Directives): number | undefined {
      const weight = values(cost, directives)?.weight;
      if (weight === undefined) return undefined;
      const n = Number(weight);
      if (String(weight).trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`@cost(weight: ${JSON.stringify(weight)}) is not a number of at least 0`);
      return n;
    },
    listSize: (directives: Directives) => values(listSize, directives) as ListSizeArgs | undefined,
    listSizeFrom: (directives: Directives) => values(listSizeFrom, directives) as { request?: string; dayRange?: string[] } | undefined,
    upstream: (directives: Directives) => values(upstream, directives) as { calls?: number; rule?: string } | undefined,
  };
}

interface ListSizeArgs {
  assumedSize?: number | null;
  slicingArguments?: string[] | null;
  sizedFields?: string[] | null;
}

/** A type's `@cost`, on its definition or an extension. */
function typeWeight(type: GraphQLNamedType, read: ReturnType<typeof reader>): number | undefined {
  for (const node of [type.astNode, ...(type.extensionASTNodes ?? [])]) {
    const weight = read.cost(node?.directives);
    if (weight !== undefined) return weight;
  }
  return undefined;
}

function fieldCost(field: GraphQLField<unknown, unknown>, read: ReturnType<typeof reader>, rules: Map<string, UpstreamRule>): FieldCost {
  const directives = field.astNode?.directives;
  const argument = (name: string, what: string): GraphQLArgument => {
    const arg = field.args.find((a) => a.name === name);
    if (!arg) throw new Error(`${what} names "${name}", which is not an argument of the field`);
    return arg;
  };
  const entry: FieldCost = {
    ...PLAIN,
    weight: read.cost(directives) ?? typeWeight(getNamedType(field.type), read) ?? 1,
    argumentWeights: field.args.flatMap((a) => {
      const weight = read.cost(a.astNode?.directives);
      return weight === undefined ? [] : [[a.name, weight] as const];
    }),
    list: isList(field.type),
  };

  const size = read.listSize(directives);
  const from = read.listSizeFrom(directives);
  if (size || from) {
    const assumedSize = size?.assumedSize ?? undefined;
    if (assumedSize !== undefined && assumedSize < 0) throw new Error(`@listSize(assumedSize: ${assumedSize}) is below 0`);
    const slicingArguments = (size?.slicingArguments ?? []).map((name) => ({ name, list: isList(argument(name, '@listSize(slicingArguments:)').type) }));
    if (from && (from.request == null) === (from.dayRange == null)) throw new Error('@listSizeFrom takes one of `request` and `dayRange`');
    const dayRange = from?.dayRange ?? undefined;
    if (dayRange && dayRange.length !== 2) throw new Error('@listSizeFrom(dayRange:) names two arguments, the first day and the last');
    for (const name of dayRange ?? []) argument(name, '@listSizeFrom(dayRange:)');
    if (slicingArguments.length === 0 && assumedSize === undefined && !from) throw new Error('@listSize gives no size: add `slicingArguments`, `assumedSize` or @listSizeFrom');
    entry.sizing = { slicingArguments, assumedSize, request: from?.request ?? undefined, dayRange: dayRange as [string, string] | undefined };
    const sized = size?.sizedFields ?? [];
    if (sized.length > 0) {
      const returned = getNamedType(field.type);
      const children = isObjectType(returned) || isInterfaceType(returned) ? returned.getFields() : {};
      for (const name of sized) {
        if (!children[name] || !isList(children[name].type)) throw new Error(`@listSize(sizedFields:) names "${name}", which is not a list field of ${returned.name}`);
      }
      entry.sizedFields = new Set(sized);
    } else if (!entry.list) {
      throw new Error('a list size on a field that is not a list needs `sizedFields`');
    }
  }

  const upstream = read.upstream(directives);
  if (upstream) {
    if (upstream.calls == null && upstream.rule == null) throw new Error('@upstream needs `calls` or `rule`');
    if (upstream.calls != null && upstream.calls < 0) throw new Error(`@upstream(calls: ${upstream.calls}) is below 0`);
    entry.calls = upstream.calls ?? 0;
    if (upstream.rule != null) {
      entry.rule = rules.get(upstream.rule);
      if (!entry.rule) throw new Error(`@upstream(rule: "${upstream.rule}") names no rule of src/limits/upstream-rules.ts (${[...rules.keys()].join(', ')})`);
    }
  }
  return entry;
}

/**
 * The items the slicing arguments given say, at most `assumedSize`: an Int (at least 1), or a list's
 * length (a single value stands for a list of one, as GraphQL coerces it). Undefined when none is given:
 * null, or an empty list (`portraitTags(tags: [])` asks for every tag). A value that is no size (the
 * resolver refuses it) counts as `assumedSize`.
 */
export function slicedSize(sizing: ListSizing, args: Readonly<Record<string, unknown>>): number | undefined {
  const max = sizing.assumedSize ?? Number.POSITIVE_INFINITY;
  let size: number | undefined;
  for (const { name, list } of sizing.slicingArguments) {
    const value = args[name];
    if (value == null || (Array.isArray(value) && value.length === 0)) continue;
    let n: number;
    if (list) n = Array.isArray(value) ? value.length : 1;
    else if (typeof value === 'number' && Number.isFinite(value)) n = Math.max(Math.trunc(value), 1);
    else n = sizing.assumedSize ?? DEFAULT_LIST_SIZE;
    size = Math.max(size ?? 0, Math.min(n, max));
  }
  return size;
}

/** The size a field's sizing gives: the slicing arguments', else the request's or the day range's, else `assumedSize`. */
export function sizeOf(sizing: ListSizing, sliced: number | undefined, args: Readonly<Record<string, unknown>>, sizes: Readonly<Record<string, number>>): number {
  const max = sizing.assumedSize ?? Number.POSITIVE_INFINITY;
  if (sliced !== undefined) return sliced;
  if (sizing.request) {
    const known = sizes[sizing.request];
    if (known === undefined) throw new Error(`cost: the request size "${sizing.request}" was not given`);
    return Math.min(Math.max(1, known), max);
  }
  if (sizing.dayRange) {
    const days = dayNumber(String(args[sizing.dayRange[1]])) - dayNumber(String(args[sizing.dayRange[0]])) + 1;
    if (Number.isFinite(days) && days > 0) return Math.min(days, max);
  }
  return sizing.assumedSize ?? DEFAULT_LIST_SIZE;
}

function isList(type: GraphQLType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * The sizes of the schema's own lists, for introspection: known once the schema is. Averages, not
 * maxima — nested lists of maxima would compound far beyond what an introspection answer holds.
 */
function introspectionSizes(schema: GraphQLSchema): Record<string, number> {
  const types = Object.values(schema.getTypeMap());
  const average = (values: number[]) => Math.max(1, Math.ceil(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)));
  const composite = types.filter((t) => isObjectType(t) || isInterfaceType(t));
  const fields = composite.flatMap((t) => Object.values(t.getFields()));
  return {
    '__Schema.types': types.length,
    '__Schema.directives': schema.getDirectives().length,
    '__Type.fields': average(composite.map((t) => Object.keys(t.getFields()).length)),
    '__Type.inputFields': average(types.filter(isInputObjectType).map((t) => Object.keys(t.getFields()).length)),
    '__Type.enumValues': average(types.filter(isEnumType).map((t) => t.getValues().length)),
    '__Type.interfaces': average(composite.map((t) => t.getInterfaces().length)),
    '__Type.possibleTypes': average(types.filter(isInterfaceType).map((t) => schema.getPossibleTypes(t).length)),
    '__Field.args': average(fields.map((f) => f.args.length)),
    '__Directive.args': average(schema.getDirectives().map((d) => d.args.length)),
  };
}
