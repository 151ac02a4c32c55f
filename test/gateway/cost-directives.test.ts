// Cost is declared in the schema (schema/directives.graphql): `@cost` and `@listSize` (IBM GraphQL
// cost directives), `@listSizeFrom` and `@upstream`. A new field is priced by its directives alone;
// a directive the model cannot apply stops the start-up; the sizes the schema declares are the
// services' own bounds; and whether an operation needs the caller's app count comes from the table.
import { buildSchema, type FragmentDefinitionNode, type GraphQLObjectType, getDirectiveValues, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GROWTH_MAX_TOTAL } from '../../src/growth/batch.js';
import { JMLINK_MAX_PAGE_SIZE } from '../../src/jmlink/endpoints.js';
import { MAX_STATS_RANGE_DAYS } from '../../src/jmlink/loaders.js';
import { CostModel } from '../../src/limits/cost.js';
import { costLimitPlugin } from '../../src/limits/plugin.js';
import { UPSTREAM_RULES } from '../../src/limits/upstream-rules.js';
import { loadTypeDefs } from '../../src/schema.js';

const GATEWAY = loadTypeDefs().join('\n');
const UNLIMITED = { maxCost: Number.POSITIVE_INFINITY, maxUpstreamCalls: Number.POSITIVE_INFINITY };

/** A field of a new endpoint, priced by its directives only. */
const WIDGETS = `
  extend type App {
    widgets(limit: Int = 5, verbose: Boolean @cost(weight: "10")): [Widget!]!
      @listSize(assumedSize: 50, slicingArguments: ["limit"])
      @upstream(calls: 1)
    gadget(subject: PortraitSubjectInput!, tags: [String!]): Gadget @upstream(rule: "portrait.tags")
  }
  type Widget { id: ID! parts: [String!]! @cost(weight: "3") gadgets: [Gadget!]! }
  type Gadget @cost(weight: "2.5") { id: ID! }
  extend type Query { thing: Thing }
  type Thing { apps: [String!]! }
`;

function parts(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return { operation, fragments };
}

function measure(model: CostModel, query: string, sizes: Record<string, number> = { visibleApps: 3 }, variables: Record<string, unknown> = {}) {
  return model.measure({ ...parts(query), variables, sizes });
}

describe('a new field', () => {
  const model = new CostModel(buildSchema(GATEWAY + WIDGETS), UNLIMITED);

  it('is priced by its directives: weights, its list size, its calls', () => {
    // app 1 + widgets 1 + 7 × (id 1 + parts 3)
    const m = measure(model, '{ app(appKey: "x") { widgets(limit: 7) { id parts } } }');
    expect(m).toMatchObject({ cost: 30, calls: 1 });
    expect(Object.fromEntries(m.callsBy)).toEqual({ 'App.widgets': 1 });
    // The default `limit` (5), at most assumedSize (50); a weighted argument counts when given.
    expect(measure(model, '{ app(appKey: "x") { widgets { id } } }').cost).toBe(1 + 1 + 5);
    expect(measure(model, '{ app(appKey: "x") { widgets(limit: 900, verbose: true) { id } } }').cost).toBe(1 + 11 + 50);
    expect(measure(model, 'query($n: Int) { app(appKey: "x") { widgets(limit: $n) { id } } }', {}, { n: 2 }).cost).toBe(1 + 1 + 2);
    // A type's weight counts for the fields returning it; a list nothing sizes counts 10 items.
    expect(measure(model, '{ app(appKey: "x") { widgets(limit: 1) { gadgets { id } } } }').cost).toBe(1 + 1 + 1 * (2.5 + 10 * 1));
  });

  it('under `apps` counts once per app the caller may see, its rule batching with the loader', () => {
    const m = measure(
      model,
      '{ apps { widgets(limit: 1) { id } gadget(subject: { idType: OAID, value: "a" }) { id } portraitTags(subject: { idType: OAID, value: "a" }) { found } } }',
      { visibleApps: 4 },
    );
    // Per app: widgets 1 call; `gadget` asks the same JPortrait question as `portraitTags`: 1 call.
    expect(m.calls).toBe(4 * 2);
  });

  it('needs the caller’s app count only when the operation selects a field sized by it (no text search)', () => {
    const needs = (query: string) => {
      const { operation, fragments } = parts(query);
      return model.requestSizesOf(operation, fragments);
    };
    expect(needs('{ apps { name } }')).toEqual(['visibleApps']);
    expect(needs('{ ...F } fragment F on Query { ... on Query { apps { name } } }')).toEqual(['visibleApps']);
    expect(needs('{ thing { apps } app(appKey: "x") { name } }')).toEqual([]);
    expect(needs('query apps { app(appKey: "apps") { apps: name } }')).toEqual([]);
  });
});

describe('start-up', () => {
  const build = (extra: string) => () => new CostModel(buildSchema(GATEWAY + extra), UNLIMITED);

  it.each([
    ['an unknown rule', 'extend type App { x: Int @upstream(rule: "nope") }', /App\.x: @upstream\(rule: "nope"\) names no rule/],
    ['@upstream with nothing', 'extend type App { x: Int @upstream }', /App\.x: @upstream needs `calls` or `rule`/],
    ['a slicing argument the field lacks', 'extend type App { x(n: Int): [Int] @listSize(slicingArguments: ["m"]) }', /App\.x: .*"m", which is not an argument/],
    ['a sized field that is not a list', 'extend type App { x: App @listSize(assumedSize: 3, sizedFields: ["name"]) }', /"name", which is not a list field of App/],
    ['a size on a field that is no list', 'extend type App { x: Int @listSize(assumedSize: 3) }', /needs `sizedFields`/],
    ['a weight that is not a number', 'extend type App { x: Int @cost(weight: "heavy") }', /App\.x: @cost\(weight: "heavy"\) is not a number/],
    ['a weight on an input field', 'input In { a: Int @cost(weight: "1") } extend type Query { y(i: In): Int }', /In\.a: @cost on input fields/],
    ['two size sources', 'extend type App { x(a: String, b: String): [Int] @listSizeFrom(request: "visibleApps", dayRange: ["a", "b"]) }', /one of `request` and `dayRange`/],
  ])('refuses %s, naming the field', (_what, extra, message) => {
    expect(build(extra)).toThrow(message);
  });

  it('refuses a request size the plugin does not provide', async () => {
    const plugin = costLimitPlugin(UNLIMITED);
    const schema = buildSchema(`${GATEWAY} extend type App { x: [Int] @listSizeFrom(request: "moonPhase") }`);
    await expect(plugin.serverWillStart!({ schema } as never)).rejects.toThrow(/moonPhase/);
  });
});

describe("the gateway's schema", () => {
  const schema = buildSchema(GATEWAY);
  const listSize = (type: string, field: string) => {
    const node = (schema.getType(type) as GraphQLObjectType).getFields()[field]!.astNode!;
    return getDirectiveValues(schema.getDirective('listSize')!, node) as { assumedSize?: number } | undefined;
  };

  it('declares the services’ own bounds as the largest sizes', () => {
    expect(listSize('App', 'shortLinks')?.assumedSize).toBe(JMLINK_MAX_PAGE_SIZE);
    expect(listSize('ShortLink', 'stats')?.assumedSize).toBe(MAX_STATS_RANGE_DAYS);
    for (const field of ['resolveGrowthUsers', 'reportGrowthEvents', 'setGrowthUserChannels']) expect(listSize('Mutation', field)?.assumedSize).toBe(GROWTH_MAX_TOTAL);
  });

  it('names every upstream rule somewhere', () => {
    const used = new Set<string>();
    for (const type of Object.values(schema.getTypeMap())) {
      if (!('getFields' in type) || type.name.startsWith('__')) continue;
      for (const field of Object.values((type as GraphQLObjectType).getFields())) {
        const rule = field.astNode && getDirectiveValues(schema.getDirective('upstream')!, field.astNode)?.rule;
        if (typeof rule === 'string') used.add(rule);
      }
    }
    expect([...used].sort()).toEqual(UPSTREAM_RULES.map((r) => r.name).sort());
  });
});
