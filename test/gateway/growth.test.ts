// Operation Growth through the gateway: the four writes and the batched CUID lookup against the
// emulator, chunking into calls of 100 with per-item outcomes, input checks before any call, the
// error table, and a gateway without project credentials.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../../client/index.js';
import type {
  App,
  GrowthBatchPayload,
  GrowthEventResult,
  GrowthItemError,
  GrowthItemResult,
  GrowthUser,
  ResolvedGrowthUser,
  SetGrowthUserAttributesPayload,
} from '../../src/generated/graphql.js';
import { GROWTH_ENVELOPE } from '../../src/growth/endpoints.js';

const GROWTH_CODES = GROWTH_ENVELOPE.codes;

import { codes, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let admin: GatewayClient;
beforeAll(async () => {
  // 150 aliased growthUser fields in one request show the batching: limits raised for that.
  h = await startHarness({ env: { GATEWAY_MAX_ALIASES: '200', GATEWAY_MAX_UPSTREAM_CALLS: '200' } });
  admin = createGatewayClient({ url: h.gateway.graphqlUrl, token: h.tokens.admin });
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.resetTraffic();
  h.emulator.clearFaults();
  h.emulator.resetCalls();
});

const growthCalls = (path?: string) => h.emulator.countCalls({ service: 'growth', ...(path ? { pathPattern: path } : {}) });

const RESOLVE = `mutation($name: String!, $values: [String!]!) {
  resolveGrowthUsers(identityName: $name, values: $values) { total succeeded failed items { index value ok cuid error { code message businessCode } } }
}`;
const ATTRIBUTES = `mutation($cuid: ID!, $attributes: [GrowthAttributeInput!]!) {
  setGrowthUserAttributes(cuid: $cuid, attributes: $attributes) { cuid names }
}`;
const EVENTS = `mutation($appKey: ID!, $events: [GrowthEventInput!]!) {
  reportGrowthEvents(appKey: $appKey, events: $events) { total succeeded failed items { index ok randomId error { code message businessCode } } }
}`;
const CHANNELS = `mutation($users: [GrowthUserChannelsInput!]!) {
  setGrowthUserChannels(users: $users) { total succeeded failed items { index ok error { code businessCode } } }
}`;

/** What the documents above answer; a failed item carries its error, an ok one null. */
type Counts = Pick<GrowthBatchPayload, 'total' | 'succeeded' | 'failed'>;
type ItemError = Required<Pick<GrowthItemError, 'code' | 'message' | 'businessCode'>>;
type Resolved = { resolveGrowthUsers: Counts & { items: (Required<Pick<ResolvedGrowthUser, 'index' | 'value' | 'ok' | 'cuid'>> & { error: ItemError | null })[] } };
type Attributes = { setGrowthUserAttributes: Pick<SetGrowthUserAttributesPayload, 'cuid' | 'names'> };
type Events = { reportGrowthEvents: Counts & { items: (Pick<GrowthEventResult, 'index' | 'ok' | 'randomId'> & { error: ItemError | null })[] } };
type Channels = { setGrowthUserChannels: Counts & { items: (Pick<GrowthItemResult, 'index' | 'ok'> & { error: Pick<ItemError, 'code' | 'businessCode'> | null })[] } };
type OneUser = { growthUser: Pick<GrowthUser, 'cuid'> | null };

const appKey = () => h.emulator.apps[0]!.appKey;
const events = (n: number, cuid = '1001') =>
  Array.from({ length: n }, (_, i) => ({ cuid, name: 'purchase', time: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(), properties: { item: `sku-${i}` } }));

async function resolveCuid(value: string): Promise<string> {
  const r = await admin.executeText<Resolved>(RESOLVE, { name: 'phone', values: [value] });
  return r.data!.resolveGrowthUsers.items[0]!.cuid!;
}

describe('writes', () => {
  it('resolves identity values to CUIDs, and growthUser answers the same CUID', async () => {
    const r = await admin.executeText<Resolved>(RESOLVE, { name: 'phone', values: ['13800000000', '13900000000'] });
    expect(r.errors).toBeUndefined();
    const payload = r.data!.resolveGrowthUsers;
    expect(payload).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    expect(payload.items.map((i) => [i.index, i.value, i.ok, i.error])).toEqual([
      [0, '13800000000', true, null],
      [1, '13900000000', true, null],
    ]);
    expect(payload.items[0]!.cuid).toMatch(/^[1-9]\d*$/);
    expect(payload.items[0]!.cuid).not.toBe(payload.items[1]!.cuid);
    const q = await h.gql<OneUser>(`{ growthUser(identityName: "phone", value: "13800000000") { cuid } }`);
    expect(q.body.data!.growthUser).toEqual({ cuid: payload.items[0]!.cuid });
    expect(growthCalls('/user/register')).toBe(2);
  });

  it('sets attributes, booleans as 0/1 and date-times as yyyy-MM-dd HH:mm:ss in UTC+8', async () => {
    const cuid = await resolveCuid('13700000000');
    const r = await admin.executeText<Attributes>(ATTRIBUTES, {
      cuid,
      attributes: [
        { name: 'nickname', value: { string: 'Ming' } },
        { name: 'age', value: { number: 31 } },
        { name: 'vip', value: { boolean: true } },
        { name: 'subscribed', value: { boolean: false } },
        { name: 'register_time', value: { dateTime: '2026-11-23T20:30:05Z' } },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.setGrowthUserAttributes).toEqual({ cuid, names: ['nickname', 'age', 'vip', 'subscribed', 'register_time'] });
    expect(h.emulator.growth.attributes(cuid)).toEqual({ nickname: 'Ming', age: 31, vip: 1, subscribed: 0, register_time: '2026-11-24 04:30:05' });
  });

  it('maps an attribute Jiguang does not know (40002) to BAD_USER_INPUT', async () => {
    const r = await admin.executeText(ATTRIBUTES, { cuid: '1001', attributes: [{ name: 'shoe_size', value: { number: 42 } }] });
    expect(codes({ body: r })).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0]!.extensions!.jiguang).toMatchObject({ service: 'growth', businessCode: 40002 });
  });

  it('reports events with a derived randomId, so sending them again does not count them twice', async () => {
    const before = h.emulator.growth.events().length;
    const list = [
      { cuid: '2001', name: 'login', time: '2026-11-01T00:00:00.000Z', properties: { channel: 'app', n: 1 } },
      { cuid: '2001', name: 'logout', time: '2026-11-01T01:00:00.000Z', randomId: 'my-own-id-1' },
    ];
    const first = await admin.executeText<Events>(EVENTS, { appKey: appKey(), events: list });
    expect(first.errors).toBeUndefined();
    expect(first.data!.reportGrowthEvents).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    const [derived, given] = first.data!.reportGrowthEvents.items;
    expect(derived!.randomId).toMatch(/^[0-9a-f]{32}$/);
    expect(given!.randomId).toBe('my-own-id-1');
    const again = await admin.executeText<Events>(EVENTS, { appKey: appKey(), events: list });
    expect(again.data!.reportGrowthEvents.items.map((i) => i.randomId)).toEqual([derived!.randomId, 'my-own-id-1']);
    const stored = h.emulator.growth.events().slice(before);
    expect(stored).toEqual([
      { appKey: appKey(), cuid: 2001, eventName: 'login', itime: Date.parse('2026-11-01T00:00:00.000Z'), randomId: derived!.randomId, properties: { channel: 'app', n: 1 } },
      { appKey: appKey(), cuid: 2001, eventName: 'logout', itime: Date.parse('2026-11-01T01:00:00.000Z'), randomId: 'my-own-id-1', properties: {} },
    ]);
    expect(growthCalls('/events/report')).toBe(2);
  });

  it('sets contact channels', async () => {
    const r = await admin.executeText<Channels>(CHANNELS, {
      users: [
        {
          cuid: '3001',
          channels: [
            { id: 301, values: { phone: '13800000000' } },
            { id: 302, values: { email: 'a@example.com' } },
          ],
        },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.setGrowthUserChannels).toEqual({ total: 1, succeeded: 1, failed: 0, items: [{ index: 0, ok: true, error: null }] });
    expect(h.emulator.growth.channels(3001)).toEqual([
      { id: 301, channelValues: { phone: '13800000000' } },
      { id: 302, channelValues: { email: 'a@example.com' } },
    ]);
  });
});

describe('chunks of 100', () => {
  it('sends 250 events in 3 calls and reports each', async () => {
    const before = h.emulator.growth.events().length;
    const r = await admin.executeText<Events>(EVENTS, { appKey: appKey(), events: events(250, '4001') });
    expect(r.errors).toBeUndefined();
    const payload = r.data!.reportGrowthEvents;
    expect(payload).toMatchObject({ total: 250, succeeded: 250, failed: 0 });
    expect(payload.items.map((i) => i.index)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(payload.items.every((i) => i.ok && i.error === null)).toBe(true);
    expect(growthCalls()).toBe(3);
    expect(h.emulator.calls.map((c) => (c.body as { data: unknown[] }).data.length)).toEqual([100, 100, 50]);
    expect(h.emulator.growth.events().length - before).toBe(250);
  });

  it('a failed second chunk fails only its own items; the first and third are reported ok', async () => {
    const before = h.emulator.growth.events().length;
    h.emulator.injectFault({ service: 'growth', delayMs: 0, times: 1 }); // the first call passes
    h.emulator.injectFault({ service: 'growth', kind: 'business', code: 50000, times: 1 }); // the second fails
    const r = await admin.executeText<Events>(EVENTS, { appKey: appKey(), events: events(250, '4002') });
    expect(r.errors).toBeUndefined();
    const payload = r.data!.reportGrowthEvents;
    expect(payload).toMatchObject({ total: 250, succeeded: 150, failed: 100 });
    const items = payload.items;
    expect(items.slice(0, 100).every((i) => i.ok && i.error === null)).toBe(true);
    expect(items.slice(200).every((i) => i.ok && i.error === null)).toBe(true);
    for (const item of items.slice(100, 200)) {
      expect(item.ok).toBe(false);
      expect(item.error).toEqual({ code: 'UPSTREAM_UNAVAILABLE', message: 'Operation Growth is unavailable.', businessCode: 50000 });
    }
    expect(growthCalls()).toBe(3); // never retried
    expect(h.emulator.growth.events().length - before).toBe(150);
    expect(h.logs.some((l) => l.includes('growth items failed') && l.includes('"failed":100'))).toBe(true);
  });

  it('sets channels of 101 users in 2 calls', async () => {
    const users = Array.from({ length: 101 }, (_, i) => ({ cuid: String(5000 + i), channels: [{ id: 300, values: { registrationId: `rid-${i}` } }] }));
    const r = await admin.executeText<Channels>(CHANNELS, { users });
    expect(r.errors).toBeUndefined();
    expect(r.data!.setGrowthUserChannels).toMatchObject({ total: 101, succeeded: 101, failed: 0 });
    expect(growthCalls('/user/channel/batch')).toBe(2);
    expect(h.emulator.growth.channels(5100)).toEqual([{ id: 300, channelValues: { registrationId: 'rid-100' } }]);
  });

  it('resolves 150 values in 2 calls, in input order', async () => {
    const values = Array.from({ length: 150 }, (_, i) => `user-${i}`);
    const r = await admin.executeText<Resolved>(RESOLVE, { name: 'user_id', values });
    expect(r.data!.resolveGrowthUsers).toMatchObject({ total: 150, succeeded: 150, failed: 0 });
    expect(r.data!.resolveGrowthUsers.items.map((i) => i.value)).toEqual(values);
    expect(growthCalls('/user/register')).toBe(2);
  });

  it('batches growthUser fields of one request: one register call per identity name per 100 values', async () => {
    const fields = Array.from({ length: 150 }, (_, i) => `p${i}: growthUser(identityName: "phone", value: "1380000${String(i).padStart(4, '0')}") { cuid }`);
    fields.push(`e0: growthUser(identityName: "email", value: "a@example.com") { cuid }`, `e1: growthUser(identityName: "email", value: "b@example.com") { cuid }`);
    fields.push(`again: growthUser(identityName: "phone", value: "13800000000") { cuid }`);
    const r = await h.gql<Record<string, { cuid: string }>>(`{ ${fields.join('\n')} }`);
    expect(r.body.errors).toBeUndefined();
    const data = r.body.data!;
    expect(Object.values(data).every((u) => /^[1-9]\d*$/.test(u.cuid))).toBe(true);
    expect(data.again).toEqual(data.p0);
    expect(growthCalls('/user/register')).toBe(3);
    const sizes = h.emulator.calls
      .map((c) => c.body as { identityName: string; identityValues: string[] })
      .map((body) => [body.identityName, body.identityValues.length])
      .sort();
    expect(sizes).toEqual([
      ['email', 2],
      ['phone', 100],
      ['phone', 50],
    ]);
  });
});

describe('input checked before any call', () => {
  const long = 'x'.repeat(257);
  it.each([
    ['an identity value over 256 characters', RESOLVE, { name: 'phone', values: ['ok', long] }, 'values[1]'],
    ['an empty identity name', RESOLVE, { name: '', values: ['ok'] }, 'identityName'],
    ['more than 10 000 values', RESOLVE, { name: 'phone', values: Array.from({ length: 10_001 }, (_, i) => String(i)) }, 'values'],
    ['no values', RESOLVE, { name: 'phone', values: [] }, 'values'],
    ['an attribute string over 256 characters', ATTRIBUTES, { cuid: '1', attributes: [{ name: 'nickname', value: { string: long } }] }, 'attributes[0].value.string'],
    ['an attribute with two values', ATTRIBUTES, { cuid: '1', attributes: [{ name: 'vip', value: { boolean: true, number: 1 } }] }, 'attributes[0].value'],
    ['an attribute with no value', ATTRIBUTES, { cuid: '1', attributes: [{ name: 'nickname', value: {} }] }, 'attributes[0].value'],
    [
      'an empty attribute name',
      ATTRIBUTES,
      {
        cuid: '1',
        attributes: [
          { name: 'age', value: { number: 1 } },
          { name: '', value: { number: 1 } },
        ],
      },
      'attributes[1].name',
    ],
    [
      'an attribute given twice',
      ATTRIBUTES,
      {
        cuid: '1',
        attributes: [
          { name: 'age', value: { number: 1 } },
          { name: 'age', value: { number: 2 } },
        ],
      },
      'attributes[1].name',
    ],
    ['a CUID that is not a number', ATTRIBUTES, { cuid: 'abc', attributes: [{ name: 'age', value: { number: 1 } }] }, 'cuid'],
    ['an empty event name', EVENTS, { appKey: 'k', events: [...events(150), { cuid: '1', name: '', time: '2026-11-01T00:00:00Z' }] }, 'events[150].name'],
    ['an event CUID of 0', EVENTS, { appKey: 'k', events: [{ cuid: '0', name: 'a', time: '2026-11-01T00:00:00Z' }] }, 'events[0].cuid'],
    ['an event before 1970', EVENTS, { appKey: 'k', events: [{ cuid: '1', name: 'a', time: '1960-11-01T00:00:00Z' }] }, 'events[0].time'],
    ['a channel value that is not a string', CHANNELS, { users: [{ cuid: '1', channels: [{ id: 301, values: { phone: 138 } }] }] }, 'users[0].channels[0].values'],
    [
      'a channel value over 256 characters',
      CHANNELS,
      {
        users: [
          { cuid: '1', channels: [{ id: 301, values: { phone: '1' } }] },
          { cuid: '2', channels: [{ id: 301, values: { phone: long } }] },
        ],
      },
      'users[1].channels[0].values',
    ],
    ['a user without channels', CHANNELS, { users: [{ cuid: '1', channels: [] }] }, 'users[0].channels'],
  ])('refuses %s with BAD_USER_INPUT naming it', async (_name, query, variables, argument) => {
    const r = await admin.executeText(query, variables);
    expect(r.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0]!.extensions!.argument).toBe(argument);
    expect(r.errors![0]!.message).toContain(argument);
    expect(growthCalls()).toBe(0);
  });

  it('refuses properties that are not an object', async () => {
    const r = await admin.executeText(EVENTS, { appKey: 'k', events: [{ cuid: '1', name: 'a', time: '2026-11-01T00:00:00Z', properties: [1] }] });
    expect(r.errors!.map((e) => e.extensions!.code)).toEqual(['BAD_USER_INPUT']);
    expect(growthCalls()).toBe(0);
  });

  it('refuses a reader with FORBIDDEN', async () => {
    const r = await h.gql(RESOLVE, { name: 'phone', values: ['1'] });
    expect(r.status).toBe(403);
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(growthCalls()).toBe(0);
  });
});

describe('errors', () => {
  it.each(Object.entries(GROWTH_CODES))('maps business code %s to %s, without retrying', async (code, expected) => {
    h.emulator.injectFault({ service: 'growth', kind: 'business', code: Number(code), times: 2 });
    const r = await admin.executeText(ATTRIBUTES, { cuid: '1', attributes: [{ name: 'age', value: { number: 1 } }] });
    expect(r.data).toBeNull(); // the payload is non-null, so the error reaches the root
    expect(r.errors!.map((e) => e.extensions!.code)).toEqual([expected]);
    expect(r.errors![0]!.extensions!.jiguang).toMatchObject({ service: 'growth', businessCode: Number(code) });
    expect(growthCalls()).toBe(1);
  });

  it('reports a chunk error in the items, and a growthUser error as a field error', async () => {
    h.emulator.injectFault({ service: 'growth', kind: 'business', code: 40029, times: 2 });
    const r = await admin.executeText<Resolved>(RESOLVE, { name: 'phone', values: ['1'] });
    expect(r.data!.resolveGrowthUsers.items).toEqual([
      { index: 0, value: '1', ok: false, cuid: null, error: { code: 'RATE_LIMITED', message: expect.any(String), businessCode: 40029 } },
    ]);
    const q = await h.gql<OneUser & { apps: Pick<App, 'appKey'>[] }>(`{ growthUser(identityName: "phone", value: "1") { cuid } apps { appKey } }`);
    expect(q.body.data!.growthUser).toBeNull();
    expect(q.body.data!.apps.length).toBeGreaterThan(0);
    expect(codes(q)).toEqual(['RATE_LIMITED']);
    expect(q.body.errors![0]!.extensions!.jiguang!.service).toBe('growth');
  });

  it('answers SERVICE_NOT_CONFIGURED without project credentials, before any call', async () => {
    const bare = await startHarness({ env: { JIGUANG_GROWTH_PROJECT_ID: '', JIGUANG_GROWTH_PROJECT_SECRET: '' } });
    try {
      const client = createGatewayClient({ url: bare.gateway.graphqlUrl, token: bare.tokens.admin });
      for (const [query, variables] of [
        [RESOLVE, { name: 'phone', values: ['1'] }],
        [ATTRIBUTES, { cuid: '1', attributes: [{ name: 'age', value: { number: 1 } }] }],
        [EVENTS, { appKey: 'k', events: events(1) }],
        [CHANNELS, { users: [{ cuid: '1', channels: [{ id: 300, values: { a: 'b' } }] }] }],
        [`{ growthUser(identityName: "phone", value: "1") { cuid } }`, {}],
      ] as const) {
        const r = await client.executeText(query, variables);
        expect(r.errors!.map((e) => e.extensions!.code)).toEqual(['SERVICE_NOT_CONFIGURED']);
        expect(r.errors![0]!.message).toMatch(/JIGUANG_GROWTH_PROJECT_ID/);
      }
      expect(bare.emulator.countCalls()).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
