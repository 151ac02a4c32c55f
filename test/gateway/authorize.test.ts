// The one access rule (src/auth/authorize.ts) and where it is applied per operation
// (src/plugins/authorize-operation.ts): what the schema declares (`@scope`, `@appKey`), and that every
// way to an App passes through a declared argument or `apps`. Variables, fragments and @skip are
// honoured as execution will; a refused field is null with FORBIDDEN while the others answer.
import { buildSchema, type GraphQLNamedType, getNamedType, isObjectType } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorize, type Need } from '../../src/auth/authorize.js';
import type { Caller } from '../../src/auth/callers.js';
import { accessTable } from '../../src/plugins/authorize-operation.js';
import { loadTypeDefs } from '../../src/schema.js';
import { codes, type Harness, startHarness } from '../helpers/harness.js';

const caller = (role: 'reader' | 'admin', appKeys: string[] | null): Caller => ({ name: 't', role, appKeys: appKeys && new Set(appKeys) });
const refusal = (who: Caller, need: Need) => {
  try {
    authorize(who, need);
    return null;
  } catch (error) {
    return { extensions: (error as { extensions: unknown }).extensions, message: (error as Error).message };
  }
};

describe('authorize()', () => {
  it('readers never mutate; every token runs queries', () => {
    expect(refusal(caller('reader', null), { kind: 'operation', type: 'mutation' })).toEqual({
      extensions: { code: 'FORBIDDEN', http: { status: 403 } },
      message: 'Mutations need an admin token; "t" is a reader.',
    });
    expect(refusal(caller('reader', ['a']), { kind: 'operation', type: 'query' })).toBeNull();
    expect(refusal(caller('admin', ['a']), { kind: 'operation', type: 'mutation' })).toBeNull();
  });

  it('a token limited to apps: its apps only, nothing account- or project-level', () => {
    const scoped = caller('admin', ['a']);
    expect(refusal(scoped, { kind: 'app', appKey: 'a' })).toBeNull();
    expect(refusal(scoped, { kind: 'app', appKey: 'b' })?.message).toBe('The token "t" may not use app b.');
    expect(refusal(scoped, { kind: 'account' })?.message).toBe('This is an account-level operation: the token "t" is limited to some apps.');
    expect(refusal(scoped, { kind: 'project' })?.message).toBe('Operation Growth data belongs to the whole project: the token "t" is limited to some apps.');
  });

  it('a token not limited to apps: everything', () => {
    for (const need of [{ kind: 'app', appKey: 'b' }, { kind: 'account' }, { kind: 'project' }] as const) expect(refusal(caller('reader', null), need)).toBeNull();
  });
});

describe('what the schema declares', () => {
  const schema = buildSchema(loadTypeDefs().join('\n'));
  const table = accessTable(schema);

  it('reads @scope and @appKey, inside input objects too', () => {
    expect(Object.fromEntries(table)).toEqual({
      'Query.app': { level: undefined, appKeys: [['appKey']] },
      'Query.growthUser': { level: 'project', appKeys: [] },
      'Mutation.createApp': { level: 'account', appKeys: [] },
      'Mutation.deleteApp': { level: undefined, appKeys: [['appKey']] },
      'Mutation.uploadCertificate': { level: undefined, appKeys: [['appKey']] },
      'Mutation.enableOneTapLogin': { level: undefined, appKeys: [['input', 'appKey']] },
      'Mutation.resolveGrowthUsers': { level: 'project', appKeys: [] },
      'Mutation.setGrowthUserAttributes': { level: 'project', appKeys: [] },
      'Mutation.reportGrowthEvents': { level: 'project', appKeys: [] },
      'Mutation.setGrowthUserChannels': { level: 'project', appKeys: [] },
    });
  });

  it('every root field that can answer an App is declared, or is `apps` (which lists only the apps the token may use)', () => {
    const reaches = (type: GraphQLNamedType, seen = new Set<string>()): boolean => {
      if (type.name === 'App') return true;
      if (!isObjectType(type) || seen.has(type.name)) return false;
      seen.add(type.name);
      return Object.values(type.getFields()).some((f) => reaches(getNamedType(f.type), seen));
    };
    const open: string[] = [];
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.values(root.getFields())) {
        const coordinate = `${root.name}.${field.name}`;
        if (reaches(getNamedType(field.type)) && !table.has(coordinate)) open.push(coordinate);
      }
    }
    expect(open).toEqual(['Query.apps']);
  });

  it('refuses @appKey on anything but an ID or a String at start-up', () => {
    const bad = buildSchema(`${loadTypeDefs().join('\n')}\nextend type Query { x(n: Int @appKey): Int }`);
    expect(() => accessTable(bad)).toThrow(/Query\.x\(n:\): @appKey on a Int/);
  });
});

describe('per operation', () => {
  let h: Harness;
  let own: string;
  let other: string;
  beforeAll(async () => {
    h = await startHarness();
    own = h.emulator.apps[1]!.appKey;
    other = h.emulator.apps[0]!.appKey;
  });
  afterAll(() => h.close());
  beforeEach(() => h.emulator.resetCalls());
  const scoped = (query: string, variables?: Record<string, unknown>) => h.gql(query, variables, { authorization: `Bearer ${h.tokens.scoped}` });

  it('a refused field is null with FORBIDDEN (HTTP 403) while the others answer', async () => {
    const r = await scoped('query($o: ID!, $x: ID!) { mine: app(appKey: $o) { name } theirs: app(appKey: $x) { name } }', { o: own, x: other });
    expect(r.status).toBe(403);
    expect(r.body.data).toEqual({ mine: { name: h.emulator.apps[1]!.name }, theirs: null });
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(r.body.errors![0]!.path).toEqual(['theirs']);
    expect(r.body.errors![0]!.message).toBe(`The token "test-scoped" may not use app ${other}.`);
  });

  it('through fragments, inline and named', async () => {
    const r = await scoped('query($x: ID!) { ...F } fragment F on Query { ... on Query { app(appKey: $x) { shortLinks(first: 1) { totalCount } } } }', { x: other });
    expect(r.body.data).toEqual({ app: null });
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(h.emulator.countCalls()).toBe(0);
  });

  it('a field @skip leaves out is not refused', async () => {
    const query = 'query($x: ID!, $s: Boolean!) { app(appKey: $x) @skip(if: $s) { name } apps { appKey } }';
    const skipped = await scoped(query, { x: other, s: true });
    expect(skipped.body.errors).toBeUndefined();
    expect(skipped.body.data).toEqual({ apps: [{ appKey: own }] });
    const kept = await scoped(query, { x: other, s: false });
    expect(codes(kept)).toEqual(['FORBIDDEN']);
  });

  it("a reader's mutation is refused before its input is checked: the whole request, no data", async () => {
    const r = await h.gql('mutation { createApp(input: { name: "", androidPackage: "nope" }) { newlyCreated } }');
    expect(r.status).toBe(403);
    expect(r.body.data).toBeUndefined();
    expect(codes(r)).toEqual(['FORBIDDEN']);
  });

  it('variables that do not coerce are refused by execution, before any resolver', async () => {
    const r = await scoped('query($x: ID!) { app(appKey: $x) { name } }', { x: { not: 'an id' } });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(h.emulator.countCalls()).toBe(0);
  });
});
