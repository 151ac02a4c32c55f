// What is specific to this schema: a document's cost (every field counts 1, fields under a list
// count once per item the list may return) and the worst-case number of calls to Jiguang it can
// cause (`apps` counts as many apps as the caller may see, aliases count, statistics under a
// connection count per link). Both are computed once the operation and its variables are known,
// before any resolver runs, in one pass that measures each fragment once (linear in the document).
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
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromASTUntyped,
} from 'graphql';
import { dayNumber } from '../dates.js';
import type { PortraitIdType } from '../generated/graphql.js';
import { chunkBounds, GROWTH_MAX_TOTAL } from '../growth/batch.js';
import { growthUserBatch } from '../growth/loaders.js';
import { type BatchRule, groupBatch } from '../http/batch.js';
import { JMLINK_MAX_PAGE_SIZE } from '../jmlink/endpoints.js';
import { keyWalkPage, linkPageBatch, MAX_STATS_RANGE_DAYS, statsBatch, windowPages } from '../jmlink/loaders.js';
import type { LinkPlatform } from '../jmlink/types.js';
import { portraitBatch } from '../portrait/loaders.js';
import { decodeCursor } from '../resolvers/jmlink.js';
import { limitError } from './document.js';

/** The largest page of links (`first`), and the bound assumed for a list nothing else bounds. */
const MAX_FIRST = 500;
const UNBOUNDED_LIST = 10;

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

/** A question a batched field asks its loader, priced with the other questions of its object. */
interface Ask {
  rule: BatchRule<unknown, unknown>;
  query: unknown;
}

const ask = <Q>(rule: BatchRule<Q, unknown>, query: Q): Ask => ({ rule, query });

/** By rule, the distinct questions (by the rule's key) of one object, with the coordinate that asked each first. */
type Asked = Map<BatchRule<unknown, unknown>, Map<string, { query: unknown; coordinate: string }>>;

/** A measure whose object's batched questions are not priced yet: they may share calls with their siblings'. */
interface Level extends Measure {
  asked: Asked;
}

/** Calls a field makes of its own, per time it is resolved, and the questions it asks a loader. */
interface FieldCalls {
  own: number;
  asks: Ask[];
}

const NONE: FieldCalls = { own: 0, asks: [] };

interface Input {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** How many apps `apps` returns for this caller. */
  visibleApps: number;
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

export class CostModel {
  private readonly introspection: Record<string, number>;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: CostLimits,
  ) {
    this.introspection = introspectionSizes(schema);
  }

  /** Refuses (GRAPHQL_VALIDATION_FAILED naming the limit) an operation over the cost or the upstream-call budget. */
  check(input: Omit<Input, 'schema'>): Measure {
    const m = this.measure({ ...input, schema: this.schema });
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
    const memo = new Map<string, Level>();
    const root = input.schema.getRootType(input.operation.operation) ?? undefined;

    const argValue = (field: FieldNode, name: string): unknown => {
      const arg = field.arguments?.find((a) => a.name.value === name);
      return arg ? valueFromASTUntyped(arg.value, input.variables) : undefined;
    };
    const listLength = (field: FieldNode, name: string): number => {
      const value = argValue(field, name);
      return Array.isArray(value) ? value.length : 0;
    };

    /** Items a list field may return; `listSize` is what the field above says its lists hold. */
    const itemsOf = (coordinate: string, field: FieldNode, def: GraphQLField<unknown, unknown>, listSize: number): number => {
      if (coordinate === 'Query.apps') return Math.max(1, input.visibleApps);
      if (coordinate === 'LinkStats.days') return listSize;
      const known = this.introspection[coordinate];
      if (known !== undefined) return known;
      if (def.args.some((a) => a.name === 'first')) return clamp(argValue(field, 'first') ?? def.args.find((a) => a.name === 'first')?.defaultValue);
      return listSize;
    };

    /**
     * Calls a field makes of its own, per time it is resolved, and the questions it asks its loader.
     * Arguments the resolver refuses before any call are priced as one call of their own.
     */
    const callsOf = (coordinate: string, field: FieldNode, def: GraphQLField<unknown, unknown>): FieldCalls => {
      switch (coordinate) {
        case 'Query.growthUser':
          return { own: 0, asks: [ask(growthUserBatch, { identityName: String(argValue(field, 'identityName')), value: String(argValue(field, 'value')) })] };
        case 'App.portraitTags': {
          const subject = argValue(field, 'subject') as { idType?: unknown; value?: unknown } | null | undefined;
          const tags = argValue(field, 'tags');
          const query = {
            appKey: '', // the object's app: every question priced together is about the same app
            subject: { idType: String(subject?.idType) as PortraitIdType, value: String(subject?.value).trim() },
            tags: Array.isArray(tags) && tags.length > 0 ? tags.map(String) : null,
          };
          return { own: 0, asks: [ask(portraitBatch, query)] };
        }
        case 'ShortLink.stats': {
          const from = dayNumber(String(argValue(field, 'from')));
          const to = dayNumber(String(argValue(field, 'to')));
          if (!(to - from + 1 >= 1 && to - from + 1 <= MAX_STATS_RANGE_DAYS)) return { own: 1, asks: [] };
          const platform = (argValue(field, 'platform') ?? 'ALL') as LinkPlatform;
          return { own: 0, asks: [ask(statsBatch, { appKey: '', linkKey: '', platform, from, to })] };
        }
        case 'App.shortLinks': {
          const first = argValue(field, 'first') ?? def.args.find((a) => a.name === 'first')?.defaultValue;
          const after = argValue(field, 'after');
          if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > JMLINK_MAX_PAGE_SIZE) return { own: 1, asks: [] };
          let offset = 0;
          if (after != null) {
            try {
              offset = decodeCursor(String(after)) + 1;
            } catch {
              return { own: 1, asks: [] };
            }
          }
          return { own: 0, asks: windowPages('', offset, first).map((page) => ask(linkPageBatch, page)) };
        }
        case 'App.shortLink':
          // The walk's first page. How many more it reads depends on how many links the app has, which
          // only that page's answer tells: the run-time budget holds the pages after it.
          return { own: 0, asks: [ask(linkPageBatch, keyWalkPage('', 1))] };
        case 'App.oneTapLogin':
        case 'Mutation.createApp':
        case 'Mutation.deleteApp':
        case 'Mutation.uploadCertificate':
        case 'Mutation.setGrowthUserAttributes':
          return { own: 1, asks: [] };
        case 'Mutation.enableOneTapLogin':
          return { own: 2, asks: [] }; // open, then the status it answers with
        // More items than GROWTH_MAX_TOTAL are refused before any call.
        case 'Mutation.resolveGrowthUsers':
          return { own: chunkBounds(Math.min(listLength(field, 'values'), GROWTH_MAX_TOTAL)).length, asks: [] };
        case 'Mutation.reportGrowthEvents':
          return { own: chunkBounds(Math.min(listLength(field, 'events'), GROWTH_MAX_TOTAL)).length, asks: [] };
        case 'Mutation.setGrowthUserChannels':
          return { own: chunkBounds(Math.min(listLength(field, 'users'), GROWTH_MAX_TOTAL)).length, asks: [] };
        default:
          return NONE;
      }
    };

    /** The list size a field passes down to the lists below it (a connection's `first`, a range's days, a batch's items). */
    const sizeBelow = (coordinate: string, field: FieldNode, inherited: number): number => {
      if (coordinate === 'App.shortLinks') return clamp(argValue(field, 'first') ?? 20);
      if (coordinate === 'ShortLink.stats') {
        const span = dayNumber(String(argValue(field, 'to'))) - dayNumber(String(argValue(field, 'from'))) + 1;
        return Number.isFinite(span) && span > 0 ? Math.min(span, 366) : 366;
      }
      if (coordinate === 'Mutation.resolveGrowthUsers') return Math.min(listLength(field, 'values'), GROWTH_MAX_TOTAL);
      if (coordinate === 'Mutation.reportGrowthEvents') return Math.min(listLength(field, 'events'), GROWTH_MAX_TOTAL);
      if (coordinate === 'Mutation.setGrowthUserChannels') return Math.min(listLength(field, 'users'), GROWTH_MAX_TOTAL);
      if (coordinate === 'App.portraitTags') return listLength(field, 'tags') || 100;
      return inherited;
    };

    /** Prices an object's batched questions with the rules their loaders batch them by (`level` is the caller's own to change). */
    const settle = (level: Level): Measure => {
      for (const [rule, questions] of level.asked) {
        const queries = [...questions.values()].map((q) => q.query);
        for (const group of groupBatch(rule, queries)) {
          const calls = rule.plan(group).length;
          const coordinate = questions.get(rule.key(group[0]))!.coordinate;
          level.calls += calls;
          level.callsBy.set(coordinate, (level.callsBy.get(coordinate) ?? 0) + calls);
        }
      }
      return level;
    };

    const walk = (set: SelectionSetNode | undefined, type: GraphQLNamedType | undefined, listSize: number): Level => {
      if (!set) return NOTHING;
      const out: Level = { cost: 0, calls: 0, callsBy: new Map(), asked: new Map() };
      for (const selection of set.selections) {
        let inner: Level;
        let times = 1;
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          const def = fieldDef(input.schema, type, name);
          if (!def) {
            out.cost += 1;
            continue;
          }
          const coordinate = `${type?.name ?? '?'}.${name}`;
          // The object below is priced now: its batched questions share calls only among themselves.
          const child = settle(walk(selection.selectionSet, getNamedType(def.type), sizeBelow(coordinate, selection, listSize)));
          times = isList(def) ? itemsOf(coordinate, selection, def, listSize) : 1;
          const { own, asks } = callsOf(coordinate, selection, def);
          inner = { cost: 1 + child.cost * times, calls: own + child.calls * times, callsBy: scale(child.callsBy, times), asked: NO_QUESTIONS };
          if (own > 0) inner.callsBy.set(coordinate, (inner.callsBy.get(coordinate) ?? 0) + own);
          for (const { rule, query } of asks) {
            let questions = out.asked.get(rule);
            if (!questions) out.asked.set(rule, (questions = new Map()));
            const key = rule.key(query);
            if (!questions.has(key)) questions.set(key, { query, coordinate });
          }
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const cond = selection.typeCondition ? input.schema.getType(selection.typeCondition.name.value) : type;
          inner = walk(selection.selectionSet, cond ?? undefined, listSize);
        } else {
          const name = selection.name.value;
          const key = `${name}\u0000${listSize}`;
          let measured = memo.get(key);
          if (!measured) {
            // Cycles are refused by graphql-js's NoFragmentCyclesRule before this runs; the marker keeps this finite anyway.
            memo.set(key, { cost: 0, calls: 0, callsBy: new Map(), asked: NO_QUESTIONS });
            const fragment = input.fragments[name];
            const cond = fragment ? input.schema.getType(fragment.typeCondition.name.value) : undefined;
            measured = walk(fragment?.selectionSet, cond ?? undefined, listSize);
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

    return settle(walk(input.operation.selectionSet, root, UNBOUNDED_LIST));
  }
}

/** No questions, and a leaf's measure (shared, never written to). */
const NO_QUESTIONS: Asked = new Map();
const NOTHING: Level = { cost: 0, calls: 0, callsBy: new Map(), asked: NO_QUESTIONS };

function fieldDef(schema: GraphQLSchema, type: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (type === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
}

function isList(def: GraphQLField<unknown, unknown>): boolean {
  const type = isNonNullType(def.type) ? def.type.ofType : def.type;
  return isListType(type);
}

function clamp(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 1), MAX_FIRST) : MAX_FIRST;
}

function scale(map: Map<string, number>, times: number): Map<string, number> {
  if (times === 1) return new Map(map);
  const out = new Map<string, number>();
  for (const [k, v] of map) out.set(k, v * times);
  return out;
}
