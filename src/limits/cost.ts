// A document's cost (every field weighs 1 unless the schema says otherwise, fields under a list count
// once per item the list may return) and the worst-case number of calls to Jiguang it can cause,
// measured once the operation and its variables are known, before any resolver runs, in one pass that
// measures each fragment once (linear in the document). Nothing here knows a field by name: what each
// field costs is declared in the schema (schema/directives.graphql) and read into a table at
// start-up (src/limits/cost-table.ts).
//
// Batched fields are priced as their loaders batch them, with the loaders' own rules
// (src/http/batch.ts): the questions the fields of one object ask (aliases, fragments and inline
// fragments included) are collected, deduplicated and grouped by the rule, and each group costs the
// calls the rule plans for it — 150 `growthUser` values of one identity name are 2 register calls,
// three overlapping statistics ranges of one link 1 call. Different objects (each app of `apps`,
// each link of a page) are priced apart and multiplied by the list's length. A fragment's questions
// are copied into each object that spreads it: work bounded by the aliases that many distinct
// questions need (graphql-armor counts a fragment's aliases once per spread).
import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
} from 'graphql';
import { type BatchRule, groupBatch, type UpstreamRule } from '../http/batch.js';
import { CostTable, DEFAULT_LIST_SIZE, sizeOf, slicedSize } from './cost-table.js';
import { limitError } from './document.js';
import { UPSTREAM_RULES } from './upstream-rules.js';

export interface CostLimits {
  maxCost: number;
  maxUpstreamCalls: number;
}

export interface Measure {
  cost: number;
  calls: number;
  /** Calls by schema coordinate (`ShortLink.stats`), to say where they come from. */
  callsBy: Map<string, number>;
}

/** By rule, the distinct questions (by the rule's key) of one object, with the coordinate that asked each first. */
type Asked = Map<BatchRule<unknown, unknown>, Map<string, { query: unknown; coordinate: string }>>;

/** A measure whose object's batched questions are not priced yet: they may share calls with their siblings'. */
interface Level extends Measure {
  asked: Asked;
}

/** The size a field's `@listSize(sizedFields:)` gives the lists of the object it returns. */
interface Sized {
  size: number;
  fields: ReadonlySet<string>;
}

export interface Input {
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** The sizes `@listSizeFrom(request:)` names that the operation uses (`requestSizesOf`), for this request. */
  sizes: Readonly<Record<string, number>>;
}

export class CostModel {
  private readonly table: CostTable;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: CostLimits,
    rules: readonly UpstreamRule[] = UPSTREAM_RULES,
  ) {
    this.table = new CostTable(schema, rules);
  }

  /** The names of the request sizes the schema uses (`visibleApps`). */
  get requestSizeNames(): string[] {
    return [...this.table.requestSizes];
  }

  /** The request sizes an operation needs to be measured: those of the fields it selects (each fragment visited once). */
  requestSizesOf(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): string[] {
    const needed = new Set<string>();
    const visited = new Set<string>();
    const visit = (set: SelectionSetNode | undefined, type: GraphQLNamedType | undefined): void => {
      for (const selection of set?.selections ?? []) {
        if (selection.kind === Kind.FIELD) {
          const def = fieldDef(this.schema, type, selection.name.value);
          if (!def) continue;
          const request = this.table.field(`${type?.name ?? '?'}.${def.name}`, def).sizing?.request;
          if (request) needed.add(request);
          visit(selection.selectionSet, getNamedType(def.type));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          visit(selection.selectionSet, selection.typeCondition ? (this.schema.getType(selection.typeCondition.name.value) ?? undefined) : type);
        } else if (!visited.has(selection.name.value)) {
          visited.add(selection.name.value);
          const fragment = fragments[selection.name.value];
          visit(fragment?.selectionSet, fragment ? (this.schema.getType(fragment.typeCondition.name.value) ?? undefined) : undefined);
        }
      }
    };
    visit(operation.selectionSet, this.schema.getRootType(operation.operation) ?? undefined);
    return [...needed];
  }

  /** Refuses (GRAPHQL_VALIDATION_FAILED naming the limit) an operation over the cost or the upstream-call budget. */
  check(input: Input): Measure {
    const m = this.measure(input);
    this.refuseOver(m);
    return m;
  }

  /** Throws the refusal for a measure over the upstream-call budget or the cost limit. */
  refuseOver(m: Measure): void {
    if (m.calls > this.limits.maxUpstreamCalls) {
      const top = [...m.callsBy].sort((a, b) => b[1] - a[1]).slice(0, 3);
      throw limitError(
        'upstreamCalls',
        `This query may make up to ${m.calls} calls to Jiguang (${top.map(([c, n]) => `${c}: ${n}`).join(', ')}); at most ${this.limits.maxUpstreamCalls} are allowed per request. ` +
          'Ask for fewer links (`first`), one app at a time (`app(appKey:)` rather than `apps`), or fewer statistics ranges and aliases, in several requests.',
      );
    }
    if (m.cost > this.limits.maxCost) {
      throw limitError('cost', `The query's cost is ${m.cost}; at most ${this.limits.maxCost} is allowed. Ask for fewer items (\`first\`), fewer fields or fewer aliases.`);
    }
  }

  measure(input: Input): Measure {
    const { schema, table } = this;
    const memo = new Map<string, Level>();

    /** Prices an object's batched questions with the rules their loaders batch them by (`level` is the caller's own to change). */
    const settle = (level: Level): Measure => {
      for (const [rule, questions] of level.asked) {
        for (const group of groupBatch(
          rule,
          [...questions.values()].map((q) => q.query),
        )) {
          const calls = rule.plan(group).length;
          const coordinate = questions.get(rule.key(group[0]))!.coordinate;
          level.calls += calls;
          level.callsBy.set(coordinate, (level.callsBy.get(coordinate) ?? 0) + calls);
        }
      }
      return level;
    };

    const walk = (set: SelectionSetNode | undefined, type: GraphQLNamedType | undefined, sized: Sized | null): Level => {
      if (!set) return NOTHING;
      const out: Level = { cost: 0, calls: 0, callsBy: new Map(), asked: new Map() };
      for (const selection of set.selections) {
        let inner: Level;
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          const def = fieldDef(schema, type, name);
          if (!def) {
            out.cost += 1;
            continue;
          }
          const coordinate = `${type?.name ?? '?'}.${name}`;
          const entry = table.field(coordinate, def);
          const args = entry.sizing || entry.rule ? argumentValues(def, selection, input.variables) : NO_ARGS;
          const sliced = entry.sizing ? slicedSize(entry.sizing, args) : undefined;
          const size = entry.sizing ? sizeOf(entry.sizing, sliced, args, input.sizes) : DEFAULT_LIST_SIZE;
          // The object below is priced now: its batched questions share calls only among themselves.
          const child = settle(walk(selection.selectionSet, getNamedType(def.type), entry.sizedFields ? { size, fields: entry.sizedFields } : null));
          const times = !entry.list ? 1 : sized?.fields.has(name) ? sized.size : entry.sizedFields ? DEFAULT_LIST_SIZE : size;
          let weight = entry.weight;
          for (const [arg, w] of entry.argumentWeights) if (selection.arguments?.some((a) => a.name.value === arg)) weight += w;
          let own = entry.calls;
          const rule = entry.rule;
          if (rule && 'batch' in rule) {
            const asks = rule.asks({ args, sliced });
            if (asks === null) own += 1;
            else {
              let questions = out.asked.get(rule.batch);
              if (!questions) out.asked.set(rule.batch, (questions = new Map()));
              for (const query of asks) {
                const key = rule.batch.key(query);
                if (!questions.has(key)) questions.set(key, { query, coordinate });
              }
            }
          } else if (rule) own += rule.calls({ args, sliced });
          inner = { cost: weight + child.cost * times, calls: own + child.calls * times, callsBy: scale(child.callsBy, times), asked: NO_QUESTIONS };
          if (own > 0) inner.callsBy.set(coordinate, (inner.callsBy.get(coordinate) ?? 0) + own);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const cond = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
          inner = walk(selection.selectionSet, cond ?? undefined, sized);
        } else {
          const name = selection.name.value;
          const key = sized ? `${name}\u0000${sized.size}\u0000${[...sized.fields].join(',')}` : name;
          let measured = memo.get(key);
          if (!measured) {
            // Cycles are refused by graphql-js's NoFragmentCyclesRule before this runs; the marker keeps this finite anyway.
            memo.set(key, { cost: 0, calls: 0, callsBy: new Map(), asked: NO_QUESTIONS });
            const fragment = input.fragments[name];
            const cond = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
            measured = walk(fragment?.selectionSet, cond ?? undefined, sized);
            memo.set(key, measured);
          }
          inner = measured;
        }
        out.cost += inner.cost;
        out.calls += inner.calls;
        for (const [c, n] of inner.callsBy) out.callsBy.set(c, (out.callsBy.get(c) ?? 0) + n);
        // A fragment's questions join its object's (a question asked twice is asked once).
        for (const [rule, questions] of inner.asked) {
          let mine = out.asked.get(rule);
          if (!mine) out.asked.set(rule, (mine = new Map()));
          for (const [key, question] of questions) if (!mine.has(key)) mine.set(key, question);
        }
      }
      return out;
    };

    return settle(walk(input.operation.selectionSet, schema.getRootType(input.operation.operation) ?? undefined, null));
  }
}

/** No questions, no arguments, and a leaf's measure (shared, never written to). */
const NO_QUESTIONS: Asked = new Map();
const NO_ARGS: Readonly<Record<string, unknown>> = Object.freeze({});
const NOTHING: Level = { cost: 0, calls: 0, callsBy: new Map(), asked: NO_QUESTIONS };

/** A field's arguments as the document gives them: variables substituted, the schema's default for one left out or null. */
function argumentValues(def: GraphQLField<unknown, unknown>, field: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const arg of def.args) {
    const node = field.arguments?.find((a) => a.name.value === arg.name);
    const value = node ? valueFromASTUntyped(node.value, variables) : undefined;
    args[arg.name] = value ?? arg.defaultValue;
  }
  return args;
}

function fieldDef(schema: GraphQLSchema, type: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (type === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
}

function scale(map: Map<string, number>, times: number): Map<string, number> {
  if (times === 1) return new Map(map);
  const out = new Map<string, number>();
  for (const [k, v] of map) out.set(k, v * times);
  return out;
}
