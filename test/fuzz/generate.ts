// The fuzzer's case generator: a bounded, deterministic generator over the real schema (built from
// schema/*.graphql). Case `i` of seed `s` depends only on (s, i) and the context (the emulator's app
// and link keys, the manifest's document ids, the day), so any case can be regenerated alone.
//
// Families:
//   valid-query / valid-mutation  random walks over the schema: fields, arguments of the right types
//                                 (mostly values the emulator knows), aliases, fragments, inline
//                                 fragments, variables, @include/@skip, introspection; three tokens.
//   mutated-doc                   token deletions, insertions, swaps, unknown fields, wrong literals,
//                                 odd characters and truncations applied to a valid document.
//   mutated-vars                  wrong types, missing/extra variables, huge numbers, long strings,
//                                 control characters, deep JSON, variables that are not an object.
//   hostile                       depth and nesting past the limits, fragment bombs, chains and cycles,
//                                 alias and introspection bombs, thousands of fields, documents near 1 MB.
//   http                          content types, broken JSON, batches, GET parameters, methods, tokens,
//                                 oversize bodies, persisted documents and APQ, multipart, odd paths.
//   raw                           what fetch/undici refuse to send, over node:net: malformed targets,
//                                 request lines, headers, framing, truncation, Expect: 100-continue.
import {
  buildSchema,
  type GraphQLEnumType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Lexer,
  Source,
  TokenKind,
} from 'graphql';
import { type Rng, rngFor } from '../../emulator/prng.js';
import { loadTypeDefs } from '../../src/schema.js';

export const SCHEMA = buildSchema(loadTypeDefs().join('\n'));

/** The schema's ErrorCode values: every `errors[].extensions.code` a client sees must be one of them. */
export const ERROR_CODES: ReadonlySet<string> = new Set((SCHEMA.getType('ErrorCode') as GraphQLEnumType).getValues().map((v) => v.name));

export type TokenRef = 'admin' | 'reader' | 'scoped';

/** What the generator knows about the running gateway and emulator. */
export interface FuzzContext {
  /** The emulator's seeded app keys; the scoped token may use only apps[1]. */
  apps: string[];
  /** Link keys the emulator knows (of apps[0] and apps[1]). */
  linkKeys: string[];
  /** `endCursor`s the gateway issued. */
  cursors: string[];
  /** The persisted-documents manifest: id ("sha256:<hex>") → document. */
  documents: Record<string, string>;
  /** Today, yyyy-MM-dd (dates are generated around it). */
  today: string;
  maxBodyBytes: number;
  limits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxNesting: number };
}

/** A request sent with undici. `{{admin}}`, `{{reader}}`, `{{scoped}}` in header values are replaced by the tokens. */
export interface HttpSpec {
  kind: 'http';
  method: string;
  /** Request target (origin-form). */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** How `body` becomes bytes: UTF-8 (default), or latin1 for arbitrary bytes. */
  encoding?: 'utf8' | 'latin1';
  /** Send the body with chunked transfer encoding (no content-length), in chunks of this size. */
  chunked?: number;
}

/** Bytes written on a raw socket (latin1: one char per byte); `{{token}}` placeholders as above. */
export interface RawSpec {
  kind: 'raw';
  /** Everything up to and including the blank line after the headers (or arbitrary bytes). */
  head: string;
  body?: string;
  /** Wait for `100 Continue` (or a final answer) before sending the body. */
  waitContinue?: boolean;
  /** Half-close the socket after writing (the server sees end of input). */
  halfClose?: boolean;
}

export interface FuzzCase {
  seed: number;
  index: number;
  family: string;
  variant: string;
  request: HttpSpec | RawSpec;
  /** `answer`: the request is well-formed HTTP and must get an answer; `any`: closing the connection is fine too. */
  expect: 'answer' | 'any';
}

// ---------------------------------------------------------------------------------------------
// Randomness

const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const chance = (r: Rng, p: number): boolean => r() < p;
function weighted<T>(r: Rng, items: readonly (readonly [number, T])[]): T {
  const total = items.reduce((s, [w]) => s + w, 0);
  let x = r() * total;
  for (const [w, v] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1]![1];
}
const hex = (r: Rng, n: number): string => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const alnum = (r: Rng, n: number): string => Array.from({ length: n }, () => pick(r, [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'])).join('');

function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Odd characters: NUL, controls, BOM, line separators, a lone surrogate, astral, RTL override, CJK. */
const ODD_CHARS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\ufeff',
  '\u2028',
  '\u2029',
  '\ud800',
  '\udfff',
  '\u202e',
  '🚀',
  '𝔘',
  '测试',
  'é',
  '\\',
  '"',
  "'",
  '\n',
  '\r',
  '\t',
  '\uffff',
  '\ufffd',
];

function oddString(r: Rng): string {
  return weighted<() => string>(r, [
    [3, () => Array.from({ length: int(r, 1, 20) }, () => pick(r, ODD_CHARS)).join('')],
    [2, () => 'x'.repeat(pick(r, [257, 1_000, 10_000, 100_000]))],
    [1, () => '测'.repeat(int(r, 100, 5_000))],
    [1, () => '\u0000'.repeat(int(r, 1, 1_000))],
    [1, () => '🚀'.repeat(int(r, 1, 2_000))],
    [1, () => ''],
    [1, () => ' '],
    [1, () => '../../../../etc/passwd'],
    [1, () => '%00%ff'],
    [1, () => '{"a":1}'],
    [1, () => '<script>alert(1)</script>'],
  ])();
}

/** A JSON text spliced verbatim into a body (see `json()`): numbers JSON.stringify cannot write, deep nesting. */
const RAW = '\u0000RAW:';
const raw = (text: string): string => `${RAW}${text}\u0000`;
function json(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000RAW:((?:[^"\\]|\\.)*?)\\u0000"/g, (_m, inner: string) => JSON.parse(`"${inner}"`) as string);
}
const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '99999999999999999999',
  '1e-400',
  '-0',
  '9007199254740993',
  '2147483648',
  '-2147483649',
  '0.0000001',
  '1E+2',
  '123456789012345678901234567890.5',
];

function deepJson(r: Rng): string {
  const n = pick(r, [100, 1_000, 10_000, 100_000, 400_000]);
  return chance(r, 0.5) ? '['.repeat(n) + ']'.repeat(n) : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
}

// ---------------------------------------------------------------------------------------------
// Values by argument, from what the emulator knows

const TAGS = ['HADI_SHOPPING_MALL', 'HAGI_SHOPPING_ALL', 'HADI_GAME_MOBA', 'HAGI_NEWS_ALL', 'HADI_TRAVEL_FLIGHT'];
const ATTRIBUTES: Record<string, 'string' | 'number' | 'boolean' | 'dateTime'> = {
  nickname: 'string',
  city: 'string',
  age: 'number',
  points: 'number',
  vip: 'boolean',
  register_time: 'dateTime',
};
const RSA_1024 =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDKCQBeQNH9AHyviiGjxNlIXuFHo2gTKuTek9qRiwY3CC+buqAs9NmzDniuAkGk1/+gOR8q3aZLv2itWQkAqOK0a1YrKjolGR0l2y6SMVc7gdfuMDHXlEWRbVPbF2bHJMz/6jNB+DicFng9k6rI2tonuvh9+KVEFIXynFTmsMYVsQIDAQAB';
const INTRO = 'A shopping app for small stores: browse the catalogue, order, pay and follow deliveries in one place.';
const PHONE = (r: Rng) => `138${String(int(r, 0, 99_999_999)).padStart(8, '0')}`;

interface Builder {
  r: Rng;
  ctx: FuzzContext;
  token: TokenRef;
  vars: { name: string; type: string; value: unknown; omit: boolean; defaultLiteral?: string }[];
  fragments: string[];
  aliases: number;
  fields: number;
  maxFields: number;
  maxDepth: number;
  lastFrom?: string;
  /** An admin deleteApp never names a seeded app (the fuzzer must not delete the emulator's data). */
  deleting: boolean;
}

function appKeyValue(b: Builder): string {
  const { r, ctx } = b;
  if (b.deleting && b.token === 'admin') return chance(r, 0.8) ? hex(r, 24) : pick(r, ['', 'x', 'ZZZZ']);
  return weighted(r, [
    [b.token === 'scoped' ? 6 : 2, () => ctx.apps[1]!],
    [5, () => pick(r, ctx.apps)],
    [1, () => hex(r, 24)],
    [1, () => pick(r, ['', 'x', '../admin', 'A'.repeat(300), `${ctx.apps[0]} `, ctx.apps[0]!.toUpperCase(), '０'.repeat(24)])],
  ])();
}

function dateValue(b: Builder, name: 'from' | 'to'): string {
  const { r, ctx } = b;
  if (chance(r, 0.05)) return pick(r, ['2024-13-01', '2024/01/01', '', '2024-02-30', '0000-01-01', '9999-12-31', '20240101', '2024-1-1', ' 2024-01-01', '2024-01-01T00:00:00Z']);
  if (name === 'from') return (b.lastFrom = addDays(ctx.today, -int(r, 0, 400)));
  const from = b.lastFrom ?? addDays(ctx.today, -30);
  return weighted(r, [
    [10, () => addDays(from, int(r, 0, 31))],
    [1, () => addDays(from, -int(r, 1, 10))],
    [1, () => addDays(from, int(r, 366, 800))],
    [1, () => addDays(from, 365)],
  ])();
}

/** A value for an argument or input field, by its name and coordinate first, then by its type. */
function valueFor(b: Builder, coord: string, name: string, type: GraphQLInputType): unknown {
  const { r, ctx } = b;
  if (isNonNullType(type)) return valueFor(b, coord, name, type.ofType as GraphQLInputType) ?? valueFor(b, coord, name, type.ofType as GraphQLInputType) ?? '';
  if (chance(r, 0.03)) return null;
  if (isListType(type)) {
    const n =
      name === 'events' || name === 'users' || name === 'attributes'
        ? weighted(r, [
            [10, () => int(r, 1, 3)],
            [1, () => 0],
            [1, () => int(r, 4, 150)],
          ])()
        : int(r, 0, 4);
    return Array.from({ length: n }, () => valueFor(b, coord, name, type.ofType as GraphQLInputType));
  }
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    const out: Record<string, unknown> = {};
    if (type.name === 'GrowthAttributeValueInput' && chance(r, 0.85)) {
      const kind = ATTRIBUTES[b.lastAttribute ?? ''] ?? pick(r, ['string', 'number', 'boolean', 'dateTime'] as const);
      out[kind] = kind === 'string' ? 'Ming' : kind === 'number' ? int(r, 0, 100) : kind === 'boolean' ? chance(r, 0.5) : `${ctx.today}T12:00:00Z`;
      return out;
    }
    for (const field of Object.values(fields)) {
      const required = isNonNullType(field.type) && field.defaultValue === undefined;
      if (!required && chance(r, 0.5)) continue;
      out[field.name] = valueFor(b, `${type.name}.${field.name}`, field.name, field.type);
    }
    return out;
  }
  if (isEnumType(type)) return chance(r, 0.97) ? pick(r, type.getValues()).name : 'NOT_A_VALUE';

  switch (name) {
    case 'appKey':
      return appKeyValue(b);
    case 'key':
      return weighted(r, [
        [8, () => pick(r, ctx.linkKeys)],
        [1, () => 'ZZZZ9'],
        [1, () => pick(r, ['', '../admin', 'a'.repeat(40), 'AAAA?x=1', '测试'])],
      ])();
    case 'first':
      return weighted(r, [
        [8, () => int(r, 1, 5)],
        [5, () => int(r, 6, 30)],
        [1, () => int(r, 31, 99)],
        [1, () => 500],
        [2, () => pick(r, [0, -1, 501, 2_147_483_647, -2_147_483_648])],
      ])();
    case 'after':
      return weighted(r, [
        [5, () => pick(r, ctx.cursors)],
        [3, () => pick(r, ['bm9wZQ', '', '!!!', 'A'.repeat(500), 'eyJpZCI6LTF9', 'bGluazox'])],
      ])();
    case 'from':
    case 'to':
      if (coord.startsWith('ShortLink.stats')) return dateValue(b, name);
      break;
    case 'tags':
      return chance(r, 0.9) ? pick(r, TAGS) : pick(r, ['NOPE', '', 'x'.repeat(300)]);
    case 'code':
      return pick(r, TAGS);
    case 'identityName':
      return weighted(r, [
        [8, () => pick(r, ['phone', 'email', 'user_id'])],
        [1, () => pick(r, ['nope', '', 'x'.repeat(300)])],
      ])();
    case 'values':
      if (coord.startsWith('GrowthChannelInput')) return { phone: PHONE(r) };
      return chance(r, 0.9) ? PHONE(r) : pick(r, ['', 'x'.repeat(257)]);
    case 'value':
      if (coord.startsWith('PortraitSubjectInput'))
        return weighted(r, [
          [4, () => 'oaid-1'],
          [2, () => '861234567890123'],
          [2, () => alnum(r, int(r, 1, 40))],
          [1, () => pick(r, ['', 'x'.repeat(129)])],
        ])();
      if (coord.startsWith('Query.growthUser')) return chance(r, 0.9) ? PHONE(r) : pick(r, ['', 'x'.repeat(257)]);
      break;
    case 'cuid':
      return weighted(r, [
        [6, () => String(int(r, 1, 2 ** 40))],
        [1, () => pick(r, ['0', '-1', 'abc', '99999999999999999999', '', '1.5'])],
      ])();
    case 'name':
      if (coord.startsWith('CreateAppInput')) return chance(r, 0.9) ? `Fuzz App ${int(r, 0, 3)}` : pick(r, ['', 'x'.repeat(101)]);
      if (coord.startsWith('GrowthAttributeInput')) return (b.lastAttribute = chance(r, 0.9) ? pick(r, Object.keys(ATTRIBUTES)) : pick(r, ['nope', '']));
      if (coord.startsWith('GrowthEventInput')) return chance(r, 0.9) ? pick(r, ['purchase', 'login', 'view']) : pick(r, ['', 'x'.repeat(129)]);
      if (coord.startsWith('Query.__type')) return chance(r, 0.8) ? pick(r, Object.keys(SCHEMA.getTypeMap())) : oddString(r);
      break;
    case 'androidPackage':
      return chance(r, 0.9) ? `com.fuzz.app${int(r, 0, 3)}` : pick(r, ['', 'not a package', 'com', '1com.x']);
    case 'groupName':
      return 'fuzz';
    case 'packageName':
      return chance(r, 0.9) ? 'com.example.shop' : pick(r, ['', 'shop', 'com..x', '1a.b']);
    case 'appSign':
      return chance(r, 0.85) ? '0123456789abcdef0123456789abcdef' : pick(r, ['', 'ABCDEF0123456789ABCDEF0123456789', 'xyz']);
    case 'appIntro':
      return chance(r, 0.85) ? INTRO : pick(r, ['short', '测'.repeat(601), 'x'.repeat(1201), '测'.repeat(30)]);
    case 'rsaPublicKey':
      return chance(r, 0.85) ? RSA_1024 : pick(r, ['', 'garbage', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']);
    case 'password':
      return 'p12-password';
    case 'time':
    case 'dateTime':
      return chance(r, 0.9) ? `${ctx.today}T${String(int(r, 0, 23)).padStart(2, '0')}:00:00Z` : pick(r, ['', 'yesterday', '2026-13-01T00:00:00Z', '2026-01-01']);
    case 'properties':
      return chance(r, 0.9) ? { sku: 'A1', n: int(r, 0, 9) } : pick<unknown>(r, [{}, { nested: { deep: [1, 2, { x: null }] } }, { '': '' }]);
    case 'id':
      if (coord.startsWith('GrowthChannelInput')) return pick(r, [300, 301, 302, 303, 999, -1]);
      break;
    case 'randomId':
      return chance(r, 0.9) ? alnum(r, 16) : pick(r, ['', 'x'.repeat(129)]);
    case 'includeDeprecated':
      return chance(r, 0.5);
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'String':
        return chance(r, 0.85) ? pick(r, ['x', 'hello', '测试', 'A1', 'com.example.shop']) : oddString(r);
      case 'ID':
        return chance(r, 0.8) ? String(int(r, 1, 1_000_000)) : oddString(r);
      case 'Int':
        return int(r, -5, 100);
      case 'Float':
        return Math.round(r() * 10_000) / 100;
      case 'Boolean':
        return chance(r, 0.5);
      case 'LocalDate':
        return addDays(ctx.today, -int(r, 0, 400));
      case 'DateTime':
        return `${ctx.today}T08:00:00.000Z`;
      case 'URL':
        return 'https://example.com/x';
      case 'JSONObject':
        return { a: 1 };
      case 'Upload':
        return null;
    }
  }
  return 'x';
}

interface Builder {
  /** The attribute name last generated, so its value gets the attribute's type. */
  lastAttribute?: string;
}

/** A JS value as a GraphQL literal of `type` (walking the type for enums and input objects). */
function literal(value: unknown, type: GraphQLInputType | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (type && isNonNullType(type)) return literal(value, type.ofType as GraphQLInputType);
  if (type && isListType(type)) {
    const item = type.ofType as GraphQLInputType;
    return Array.isArray(value) ? `[${value.map((v) => literal(v, item)).join(', ')}]` : literal(value, item);
  }
  if (type && isEnumType(type) && typeof value === 'string') return value;
  if (type && isInputObjectType(type) && typeof value === 'object' && !Array.isArray(value)) {
    const fields = type.getFields();
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]?.type)}`)
      .join(', ')}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, undefined)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : 'invalid_key'}: ${literal(v, undefined)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Valid documents: random walks over the schema

function newBuilder(r: Rng, ctx: FuzzContext, token: TokenRef): Builder {
  return {
    r,
    ctx,
    token,
    vars: [],
    fragments: [],
    aliases: 0,
    fields: 0,
    maxFields: int(r, 3, 30),
    maxDepth: weighted(r, [
      [6, 3],
      [6, 4],
      [3, 5],
      [1, 7],
    ]),
    deleting: false,
  };
}

function argumentsOf(b: Builder, coord: string, field: GraphQLField<unknown, unknown>): string {
  const { r } = b;
  const parts: string[] = [];
  for (const arg of field.args) {
    const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
    if (!required && chance(r, 0.45)) continue;
    const value = valueFor(b, `${coord}.${arg.name}`, arg.name, arg.type);
    const isUpload = getNamedType(arg.type).name === 'CertificateFileInput';
    if (chance(r, 0.35) || isUpload) {
      const name = `v${b.vars.length}`;
      const nullable = !isNonNullType(arg.type);
      const withDefault = nullable && !isUpload && chance(r, 0.15);
      b.vars.push({ name, type: String(arg.type), value, omit: withDefault || (nullable && chance(r, 0.1)), ...(withDefault ? { defaultLiteral: literal(value, arg.type) } : {}) });
      parts.push(`${arg.name}: $${name}`);
    } else {
      parts.push(`${arg.name}: ${literal(value, arg.type)}`);
    }
  }
  return parts.length > 0 ? `(${parts.join(', ')})` : '';
}

function directive(b: Builder): string {
  const { r } = b;
  if (!chance(r, 0.08)) return '';
  const which = pick(r, ['include', 'skip']);
  if (chance(r, 0.4)) {
    const name = `v${b.vars.length}`;
    b.vars.push({ name, type: 'Boolean!', value: chance(r, 0.5), omit: false });
    return ` @${which}(if: $${name})`;
  }
  return ` @${which}(if: ${chance(r, 0.5)})`;
}

function selectionSet(b: Builder, type: GraphQLObjectType, depth: number): string {
  const { r } = b;
  const all = Object.values(type.getFields());
  const leaves = all.filter((f) => isLeafType(getNamedType(f.type)));
  const used = new Set<string>();
  const parts: string[] = [];
  const n = int(r, 1, depth === 0 ? 2 : 4);
  for (let k = 0; k < n && b.fields < b.maxFields; k++) {
    b.fields++;
    const pool = depth + 1 >= b.maxDepth ? leaves : all;
    let part: string;
    const introspect =
      type === SCHEMA.getQueryType() && depth === 0
        ? weighted(r, [
            [92, ''],
            [5, '__schema'],
            [3, '__type'],
          ])
        : '';
    if (introspect === '__schema') {
      part = `__schema ${selectionSet(b, SCHEMA.getType('__Schema') as GraphQLObjectType, depth + 1)}`;
    } else if (introspect === '__type') {
      const name = chance(r, 0.8) ? pick(r, Object.keys(SCHEMA.getTypeMap())) : oddString(r);
      part = `__type(name: ${JSON.stringify(name)}) ${selectionSet(b, SCHEMA.getType('__Type') as GraphQLObjectType, depth + 1)}`;
    } else if (chance(r, 0.08) || pool.length === 0) {
      part = chance(r, 0.5) && !used.has('__typename') ? '__typename' : `t${b.aliases++}: __typename`;
      used.add('__typename');
    } else {
      const field = pick(r, pool);
      const alias = used.has(field.name) || chance(r, 0.1) ? `a${b.aliases++}: ` : '';
      used.add(field.name);
      const named = getNamedType(field.type);
      const sub = isObjectType(named) ? ` ${selectionSet(b, named, depth + 1)}` : '';
      part = `${alias}${field.name}${argumentsOf(b, `${type.name}.${field.name}`, field)}${directive(b)}${sub}`;
    }
    // Wrap some selections in an inline fragment or a named one.
    const wrap = weighted(r, [
      [85, 'none'],
      [7, 'inline'],
      [3, 'inline-directive'],
      [5, 'named'],
    ]);
    if (wrap === 'inline') part = `... on ${type.name} { ${part} }`;
    else if (wrap === 'inline-directive') part = `...${directive(b) || ' @include(if: true)'} { ${part} }`;
    else if (wrap === 'named') {
      const name = `F${b.fragments.length}`;
      b.fragments.push(`fragment ${name} on ${type.name} { ${part} }`);
      part = `...${name}`;
    }
    parts.push(part);
  }
  if (parts.length === 0) parts.push('__typename');
  return `{ ${parts.join(' ')} }`;
}

interface Operation {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
  token: TokenRef;
  mutation: boolean;
}

function finish(b: Builder, kind: 'query' | 'mutation', selection: string): Operation {
  const { r } = b;
  const defs = b.vars.map((v) => `$${v.name}: ${v.type}${v.defaultLiteral ? ` = ${v.defaultLiteral}` : ''}`);
  const named = chance(r, 0.6) || kind === 'mutation' || defs.length > 0;
  const name = `${kind === 'query' ? 'Q' : 'M'}${int(r, 0, 999)}`;
  const head = !named ? '' : `${kind} ${chance(r, 0.8) ? name : ''}${defs.length > 0 ? `(${defs.join(', ')})` : ''} `;
  const query = [head + selection, ...b.fragments].join(chance(r, 0.5) ? '\n' : ' ');
  const variables: Record<string, unknown> = {};
  for (const v of b.vars) if (!v.omit) variables[v.name] = v.value;
  return { query, variables, ...(named && head.includes(name) && chance(r, 0.5) ? { operationName: name } : {}), token: b.token, mutation: kind === 'mutation' };
}

export function validQuery(r: Rng, ctx: FuzzContext): Operation {
  const b = newBuilder(
    r,
    ctx,
    weighted<TokenRef>(r, [
      [6, 'reader'],
      [2, 'admin'],
      [2, 'scoped'],
    ]),
  );
  return finish(b, 'query', selectionSet(b, SCHEMA.getQueryType()!, 0));
}

export function validMutation(r: Rng, ctx: FuzzContext): Operation {
  const b = newBuilder(
    r,
    ctx,
    weighted<TokenRef>(r, [
      [11, 'admin'],
      [5, 'reader'],
      [4, 'scoped'],
    ]),
  );
  const mutation = SCHEMA.getMutationType()!;
  const fields = Object.values(mutation.getFields());
  const parts: string[] = [];
  const n = chance(r, 0.85) ? 1 : 2;
  for (let k = 0; k < n; k++) {
    const field = pick(r, fields);
    b.deleting = field.name === 'deleteApp';
    const alias = k > 0 ? `m${k}: ` : '';
    const named = getNamedType(field.type) as GraphQLObjectType;
    parts.push(`${alias}${field.name}${argumentsOf(b, `Mutation.${field.name}`, field)} ${selectionSet(b, named, 1)}`);
  }
  return finish(b, 'mutation', `{ ${parts.join(' ')} }`);
}

// ---------------------------------------------------------------------------------------------
// Requests

const GRAPHQL = '/graphql';

function post(body: string, token: TokenRef | null, extra: Record<string, string> = {}): HttpSpec {
  return {
    kind: 'http',
    method: 'POST',
    path: GRAPHQL,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer {{${token}}}` } : {}), ...extra },
    body,
  };
}

function operationRequest(r: Rng, op: Operation): HttpSpec {
  const accept = weighted(r, [
    [6, undefined],
    [2, 'application/graphql-response+json'],
    [1, 'application/json'],
    [1, 'application/graphql-response+json, application/json;q=0.9'],
  ]);
  const headers: Record<string, string> = accept ? { accept } : {};
  if (!op.mutation && chance(r, 0.1)) {
    // GET, as GraphQL over HTTP allows for queries (with the CSRF-preflight header Apollo asks for).
    const params = new URLSearchParams({ query: op.query });
    if (Object.keys(op.variables).length > 0) params.set('variables', JSON.stringify(op.variables));
    if (op.operationName) params.set('operationName', op.operationName);
    return { kind: 'http', method: 'GET', path: `${GRAPHQL}?${params}`, headers: { ...headers, authorization: `Bearer {{${op.token}}}`, 'apollo-require-preflight': 'true' } };
  }
  const body: Record<string, unknown> = { query: op.query };
  if (Object.keys(op.variables).length > 0 || chance(r, 0.3)) body.variables = op.variables;
  if (op.operationName) body.operationName = op.operationName;
  return post(json(body), op.token, headers);
}

// ---------------------------------------------------------------------------------------------
// Mutations of valid documents

interface Tok {
  start: number;
  end: number;
  kind: string;
}

function lex(doc: string): Tok[] | null {
  try {
    const lexer = new Lexer(new Source(doc));
    const out: Tok[] = [];
    for (let t = lexer.advance(); t.kind !== TokenKind.EOF; t = lexer.advance()) out.push({ start: t.start, end: t.end, kind: t.kind });
    return out;
  } catch {
    return null;
  }
}

const INSERTS = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '$',
  '...',
  '@',
  '!',
  '=',
  '|',
  '&',
  'on',
  'fragment',
  'query',
  'mutation',
  'subscription',
  'null',
  'true',
  '0',
  '-1',
  '""',
  '"""x"""',
  '#c\n',
  'x',
  '__typename',
  '$v0',
  '@include(if: true)',
  '@skip(if: $nope)',
  '... on Query',
  '... on App',
  'first: 1',
  '__schema',
  'apps { name }',
  '$v0: Int',
  'extend type Query { x: Int }',
  'schema { query: Query }',
  'directive @x on FIELD',
  'scalar X',
];
const WRONG_LITERALS = [
  '"str"',
  '123',
  '-1',
  '1.5',
  '99999999999999999999',
  '1e400',
  'null',
  '[1, 2]',
  '{a: 1}',
  'true',
  'ANDROID',
  '$undefinedVar',
  '"\\u0000"',
  '"\\uD800"',
  '"\u0001"',
  '"🚀"',
  '""',
  '[[[[]]]]',
  '{}',
  '"""block"""',
  '-0',
  '0x1F',
  '01',
  '1.',
  '.5',
  '"\\x41"',
];
const NAMES = [...new Set(Object.values(SCHEMA.getTypeMap()).flatMap((t) => (isObjectType(t) || isInputObjectType(t) ? Object.keys(t.getFields()) : [])))];

type MutationOp = (r: Rng, doc: string, toks: Tok[] | null) => [string, string];

const MUTATIONS: readonly (readonly [number, MutationOp])[] = [
  [3, (r, d, t) => (t?.length ? ((x) => [d.slice(0, x.start) + d.slice(x.end), 'delete-token'])(pick(r, t)) : truncate(r, d))],
  [2, (r, d, t) => (t?.length ? ((x) => [`${d.slice(0, x.end)} ${d.slice(x.start)}`, 'duplicate-token'])(pick(r, t)) : truncate(r, d))],
  [
    2,
    (r, d, t) => {
      if (!t || t.length < 2) return truncate(r, d);
      const i = int(r, 0, t.length - 2);
      const a = t[i]!;
      const c = t[i + 1]!;
      return [d.slice(0, a.start) + d.slice(c.start, c.end) + d.slice(a.end, c.start) + d.slice(a.start, a.end) + d.slice(c.end), 'swap-tokens'];
    },
  ],
  [3, (r, d, t) => ((at) => [`${d.slice(0, at)} ${pick(r, INSERTS)} ${d.slice(at)}`, 'insert-token'])(t?.length ? pick(r, t).start : int(r, 0, d.length))],
  [
    3,
    (r, d, t) => {
      const names = t?.filter((x) => x.kind === TokenKind.NAME) ?? [];
      if (names.length === 0) return truncate(r, d);
      const x = pick(r, names);
      const name = weighted(r, [
        [4, () => pick(r, NAMES)],
        [3, () => `nope${int(r, 0, 99)}`],
        [1, () => '__nope'],
        [1, () => 'a'.repeat(pick(r, [1_000, 50_000]))],
        [1, () => pick(r, ['é', '1abc', 'a-b', 'a.b'])],
      ])();
      return [d.slice(0, x.start) + name + d.slice(x.end), 'rename'];
    },
  ],
  [
    3,
    (r, d, t) => {
      const values = t?.filter((x) => x.kind === TokenKind.STRING || x.kind === TokenKind.INT || x.kind === TokenKind.FLOAT || x.kind === TokenKind.BLOCK_STRING) ?? [];
      if (values.length === 0) return truncate(r, d);
      const x = pick(r, values);
      return [d.slice(0, x.start) + pick(r, WRONG_LITERALS) + d.slice(x.end), 'wrong-literal'];
    },
  ],
  [2, (r, d) => ((at) => [d.slice(0, at) + pick(r, ODD_CHARS) + d.slice(at), 'odd-char'])(int(r, 0, d.length))],
  [1, (r, d) => truncate(r, d)],
  [
    1,
    (r, d) => {
      const a = int(r, 0, d.length);
      const e = Math.min(d.length, a + int(r, 1, 40));
      return [d.slice(0, e) + d.slice(a, e).repeat(int(r, 2, 50)) + d.slice(e), 'repeat-span'];
    },
  ],
];

function truncate(r: Rng, d: string): [string, string] {
  return [d.slice(0, int(r, 0, d.length)), 'truncate'];
}

function mutatedDocument(r: Rng, ctx: FuzzContext): { op: Operation; variant: string } {
  const op = chance(r, 0.8) ? validQuery(r, ctx) : validMutation(r, ctx);
  let doc = op.query;
  const names: string[] = [];
  for (let k = int(r, 1, 3); k > 0; k--) {
    const [next, name] = weighted(r, MUTATIONS)(r, doc, lex(doc));
    doc = next;
    names.push(name);
  }
  return { op: { ...op, query: doc }, variant: names.join('+') };
}

function mutatedVariables(r: Rng, ctx: FuzzContext): HttpSpec & { variant: string } {
  let op = validQuery(r, ctx);
  for (let tries = 0; tries < 4 && Object.keys(op.variables).length === 0; tries++) op = chance(r, 0.7) ? validQuery(r, ctx) : validMutation(r, ctx);
  const vars: Record<string, unknown> = { ...op.variables };
  const keys = Object.keys(vars);
  const target = keys.length > 0 ? pick(r, keys) : 'v0';
  const variant = weighted(r, [
    [4, 'wrong-type'],
    [2, 'missing'],
    [2, 'extra'],
    [3, 'huge-number'],
    [2, 'long-string'],
    [2, 'odd-string'],
    [2, 'deep-json'],
    [2, 'not-an-object'],
    [1, 'operation-name'],
    [1, 'proto'],
  ]);
  let variables: unknown = vars;
  let operationName: unknown = op.operationName;
  switch (variant) {
    case 'wrong-type':
      vars[target] = pick<unknown>(r, ['str', 123, 1.5, true, null, [], {}, [1, 2], { a: { b: 1 } }, [null], ['x', 1], { appKey: ctx.apps[0] }]);
      break;
    case 'missing':
      delete vars[target];
      break;
    case 'extra':
      vars[`extra${int(r, 0, 9)}`] = pick<unknown>(r, [1, 'x', null, { a: 1 }]);
      break;
    case 'huge-number':
      vars[target] = raw(pick(r, HUGE_NUMBERS));
      break;
    case 'long-string':
      vars[target] = 'x'.repeat(pick(r, [1_000, 100_000, 900_000]));
      break;
    case 'odd-string':
      vars[target] = oddString(r);
      break;
    case 'deep-json':
      vars[target] = raw(deepJson(r));
      break;
    case 'not-an-object':
      variables = pick<unknown>(r, ['x', '{}', [], [vars], 1, true, raw('null')]);
      break;
    case 'operation-name':
      operationName = pick<unknown>(r, ['Nope', '', 5, {}, ['Q1'], 'x'.repeat(100_000), null]);
      break;
    case 'proto':
      variables = raw(`{"__proto__": ${json(vars)}, "constructor": {"prototype": {"polluted": true}}}`);
      break;
  }
  const body = json({ query: op.query, variables, ...(operationName !== undefined ? { operationName } : {}) });
  return { ...post(body, op.token), variant };
}

// ---------------------------------------------------------------------------------------------
// Hostile documents

function hostile(r: Rng, ctx: FuzzContext): { variant: string; query: string; variables?: unknown; token?: TokenRef; operationName?: unknown } {
  const app = ctx.apps[0]!;
  const { maxDepth, maxAliases, maxDirectives, maxTokens, maxNesting } = ctx.limits;
  const near = (limit: number) => pick(r, [limit - 1, limit, limit + 1, limit * 2, limit * 10]);
  const variant = weighted(r, [
    [3, 'deep-introspection'],
    [2, 'bracket-nesting'],
    [2, 'list-nesting'],
    [3, 'fragment-bomb'],
    [2, 'fragment-chain'],
    [2, 'fragment-cycle'],
    [3, 'aliases'],
    [2, 'introspection-aliases'],
    [2, 'repeated-fields'],
    [2, 'conflicting-fields'],
    [2, 'directives'],
    [1, 'huge-string'],
    [1, 'huge-comment'],
    [1, 'huge-ignored'],
    [1, 'huge-block-string'],
    [2, 'many-operations'],
    [2, 'many-variables'],
    [1, 'deep-list-type'],
    [1, 'long-name'],
    [2, 'odd-document'],
    [2, 'huge-literals'],
    [1, 'subscription'],
    [2, 'stats-explosion'],
    [1, 'apps-explosion'],
    [2, 'deep-json-variable'],
    [2, 'growth-large'],
    [1, 'type-system'],
  ]);
  switch (variant) {
    case 'deep-introspection': {
      const levels = pick(r, [maxDepth - 3, maxDepth - 2, maxDepth - 1, maxDepth, maxDepth + 1, 30, 60]);
      const field = pick(r, ['ofType', 'fields { type', 'inputFields { type', 'interfaces', 'possibleTypes']);
      const open = Array.from({ length: levels }, () => `${field} {`).join(' ');
      const closes = '}'.repeat(levels * (field.includes('{ type') ? 2 : 1));
      const body = `${open} name ${closes}`;
      return { variant: `${variant}:${levels}`, query: pick(r, [`{ __schema { types { ${body} } } }`, `{ __type(name: "Query") { ${body} } }`]) };
    }
    case 'bracket-nesting': {
      const n = pick(r, [maxNesting - 1, maxNesting, maxNesting + 1, 1_000, Math.floor(maxTokens / 2) - 2, 100_000]);
      return { variant: `${variant}:${n}`, query: '{ a '.repeat(n) + '}'.repeat(n) };
    }
    case 'list-nesting': {
      const n = pick(r, [maxNesting - 3, maxNesting, maxNesting + 1, 10_000, 300_000]);
      const open = pick(r, ['[', '{a: ']);
      const close = open === '[' ? ']' : '}';
      return { variant: `${variant}:${n}`, query: `{ app(appKey: ${open.repeat(n)}1${close.repeat(n)}) { name } }` };
    }
    case 'fragment-bomb': {
      const levels = pick(r, [10, 16, 22, 30]);
      const width = pick(r, [2, 2, 3, 10]);
      const leaf = pick(r, ['__typename', `app(appKey: "${app}") { name }`, 'apps { name }', `a: app(appKey: "${app}") { shortLinks(first: 5) { nodes { key } } }`]);
      const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ${`...F${i + 1} `.repeat(width)}}`);
      fragments.push(`fragment F${levels} on Query { ${leaf} }`);
      return { variant: `${variant}:${levels}x${width}`, query: `query { ...F0 }\n${fragments.join('\n')}` };
    }
    case 'fragment-chain': {
      const n = pick(r, [50, 200, 600, 2_000]);
      const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { f${i}: __typename ...F${i + 1} }`);
      fragments.push(`fragment F${n} on Query { __typename }`);
      return { variant: `${variant}:${n}`, query: `{ ...F0 }\n${fragments.join('\n')}` };
    }
    case 'fragment-cycle': {
      return {
        variant,
        query: pick(r, [
          '{ ...A } fragment A on Query { ...A }',
          '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
          `{ app(appKey: "${app}") { ...A } } fragment A on App { name ...B } fragment B on App { shortLinks { nodes { key } } ...A }`,
          '{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...C } fragment C on Query { ...D } fragment D on Query { ...A }',
          '{ ...A } fragment A on Query { ...A ...A ...A ...A }',
          '{ ...A } fragment A on Query { app(appKey: "x") { ...B } } fragment B on App { ...B }',
          '{ ...Nope }',
          '{ ...A } fragment A on Nope { x } fragment A on Query { __typename }',
        ]),
      };
    }
    case 'aliases': {
      const n = near(maxAliases);
      const count = pick(r, [n, 500, 2_000]);
      const field = pick(r, [
        '__typename',
        `app(appKey: "${app}") { name }`,
        'apps { name }',
        `app(appKey: "${app}") { shortLinks(first: 100) { nodes { stats(from: "${addDays(ctx.today, -30)}", to: "${ctx.today}") { totals { clicks } } } } }`,
      ]);
      return { variant: `${variant}:${count}`, query: `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }` };
    }
    case 'introspection-aliases': {
      const n = pick(r, [2, 5, 10, maxAliases, maxAliases + 1]);
      const intro =
        '__schema { types { name kind description fields(includeDeprecated: true) { name description args { name type { name kind ofType { name kind ofType { name } } } } type { name kind ofType { name kind ofType { name } } } } inputFields { name type { name } } enumValues { name } } directives { name args { name } } }';
      return { variant: `${variant}:${n}`, query: `{ ${Array.from({ length: n }, (_, i) => `i${i}: ${intro}`).join(' ')} }` };
    }
    case 'repeated-fields': {
      const n = pick(r, [500, 1_000, 2_400, maxTokens - 3, maxTokens * 4]);
      const field = pick(r, ['__typename', 'name']);
      const q = field === 'name' ? `{ apps { ${'name '.repeat(n)}} }` : `{ ${'__typename '.repeat(n)}}`;
      return { variant: `${variant}:${n}`, query: q };
    }
    case 'conflicting-fields': {
      const n = pick(r, [10, 100, 400, 1_000]);
      const q = `{ ${Array.from({ length: n }, (_, i) => `app(appKey: "k${i}") { name }`).join(' ')} }`;
      return { variant: `${variant}:${n}`, query: pick(r, [q, `{ ${Array.from({ length: n }, (_, i) => `x: __type(name: "T${i}") { name }`).join(' ')} }`]) };
    }
    case 'directives': {
      const n = near(maxDirectives);
      const d = pick(r, ['@include(if: true)', '@skip(if: false)', '@nope', '@deprecated', '@include(if: $b)', '@specifiedBy(url: "x")']);
      const query = pick(r, [
        `query($b: Boolean = true) { __typename ${`${d} `.repeat(n)}}`,
        `query($b: Boolean = true) ${`${d} `.repeat(n)}{ __typename }`,
        `{ ...F } fragment F on Query ${`${d} `.repeat(n)}{ __typename }`,
      ]);
      return { variant: `${variant}:${n}`, query };
    }
    case 'huge-string': {
      const size = ctx.maxBodyBytes - pick(r, [200, 1_000, 100_000]) + pick(r, [0, 0, 0, 500]);
      const s = pick(r, ['x', 'é', '\\u0041', '\\n']).repeat(Math.floor(size / 2));
      return {
        variant,
        query: pick(r, [`{ app(appKey: "${s}") { name } }`, `{ __type(name: "${s}") { name } }`, `{ growthUser(identityName: "phone", value: "${s}") { cuid } }`]),
      };
    }
    case 'huge-comment':
      return { variant, query: `# ${'x'.repeat(ctx.maxBodyBytes - pick(r, [200, 5_000]))}\n{ __typename }` };
    case 'huge-ignored':
      return { variant, query: `{ __typename ${pick(r, [' ', ',', '\t', '\n', '\ufeff']).repeat(ctx.maxBodyBytes / pick(r, [2, 4]))}}` };
    case 'huge-block-string': {
      const body = pick(r, ['x', '\\"""', '\n']).repeat(Math.floor((ctx.maxBodyBytes - 500) / 5));
      return { variant, query: pick(r, [`{ __type(name: """${body}""") { name } }`, `{ __type(name: """${body}) { name } }`, `"""${body}""" query { __typename }`]) };
    }
    case 'many-operations': {
      const n = pick(r, [2, 100, 1_000]);
      const ops = Array.from({ length: n }, (_, i) => `query Q${i} { __typename }`).join('\n');
      return { variant: `${variant}:${n}`, query: ops, operationName: pick<unknown>(r, [undefined, 'Q0', `Q${n - 1}`, 'Nope', '', `Q${n}`]) };
    }
    case 'many-variables': {
      const n = pick(r, [100, 1_000, 2_000]);
      const defs = Array.from({ length: n }, (_, i) => `$v${i}: Int`).join(', ');
      const used = chance(r, 0.5) ? Array.from({ length: Math.min(n, 200) }, (_, i) => `a${i}: __typename @include(if: true) @skip(if: false)`).join(' ') : '__typename';
      const variables = Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, i]));
      return { variant: `${variant}:${n}`, query: `query(${defs}) { ${used} }`, variables };
    }
    case 'deep-list-type': {
      const n = pick(r, [5, maxNesting - 2, maxNesting + 1, 2_000]);
      return { variant: `${variant}:${n}`, query: `query($v: ${'['.repeat(n)}Int${']'.repeat(n)}) { __typename }`, variables: { v: 1 } };
    }
    case 'long-name': {
      const n = pick(r, [10_000, 500_000]);
      return { variant: `${variant}:${n}`, query: pick(r, [`{ ${'a'.repeat(n)} }`, `query ${'Q'.repeat(n)} { __typename }`, `{ ${'a'.repeat(n)}: __typename }`]) };
    }
    case 'odd-document': {
      const base = validQuery(r, ctx).query;
      return {
        variant,
        query: pick(r, [
          '',
          ' ',
          '{}',
          '{ }',
          'query',
          '#',
          '\u0000',
          '\ufeff{ __typename }',
          `{ __typename }\u0000`,
          `{ __typename }${'\u2028'.repeat(10)}`,
          base.replace(/ /g, () => pick(r, ['\u00a0', '\u2003', ' ', '\u000b'])),
          base.replace(/"/g, '\u201c'),
          `${base}}`,
          '{'.repeat(3) + base,
          `{ __typename } ${oddString(r)}`,
          Array.from({ length: int(r, 1, 200) }, () => pick(r, ODD_CHARS)).join(''),
        ]),
      };
    }
    case 'huge-literals':
      return {
        variant,
        query: pick(r, [
          `{ app(appKey: ${pick(r, HUGE_NUMBERS)}) { name } }`,
          `{ app(appKey: "${app}") { shortLinks(first: ${pick(r, HUGE_NUMBERS)}) { totalCount } } }`,
          `{ app(appKey: "${app}") { shortLinks(first: ${'9'.repeat(int(r, 20, 5_000))}) { totalCount } } }`,
          `mutation { setGrowthUserAttributes(cuid: "1", attributes: [{ name: "age", value: { number: ${pick(r, HUGE_NUMBERS)} } }]) { names } }`,
          `mutation { setGrowthUserChannels(users: [{ cuid: "1", channels: [{ id: ${pick(r, HUGE_NUMBERS)}, values: {} }] }]) { failed } }`,
        ]),
        token: 'admin',
      };
    case 'subscription':
      return { variant, query: pick(r, ['subscription { __typename }', 'subscription S { apps { name } }', 'mutation { __typename }', 'mutation { apps { name } }']) };
    case 'stats-explosion': {
      const first = pick(r, [20, 50, 99, 100]);
      const ranges = pick(r, [1, 2, 3]);
      const stats = Array.from(
        { length: ranges },
        (_, i) => `s${i}: stats(from: "${addDays(ctx.today, -365 + i * 7)}", to: "${addDays(ctx.today, -i)}") { days { day clicks } totals { clicks } }`,
      ).join(' ');
      return { variant: `${variant}:${first}x${ranges}`, query: `{ app(appKey: "${app}") { shortLinks(first: ${first}) { nodes { key ${stats} } } } }` };
    }
    case 'apps-explosion':
      return {
        variant,
        query: `{ apps { shortLinks(first: ${pick(r, [30, 500])}) { nodes { stats(from: "${addDays(ctx.today, -365)}", to: "${ctx.today}") { days { day } } } } } }`,
      };
    case 'deep-json-variable': {
      const query = pick(r, [
        `mutation($p: JSONObject) { reportGrowthEvents(appKey: "${app}", events: [{ cuid: "1", name: "purchase", time: "${ctx.today}T00:00:00Z", properties: $p }]) { total failed } }`,
        'mutation($p: JSONObject!) { setGrowthUserChannels(users: [{ cuid: "1", channels: [{ id: 301, values: $p }] }]) { failed } }',
        'query($p: [String!]) { app(appKey: "x") { portraitTags(subject: { idType: OAID, value: "oaid-1" }, tags: $p) { found } } }',
      ]);
      return { variant, query, variables: raw(`{"p": ${chance(r, 0.5) ? deepJson(r) : `{"x": ${deepJson(r)}}`}}`), token: 'admin' };
    }
    case 'growth-large': {
      // Up to 10 000 items are allowed, sent as sequential chunks of 100: 10 000 takes 0.6 s alone and
      // up to 3.5 s when the fuzzer's other workers compete for the 2 cores, so 2 500 is the largest sent.
      const n = pick(r, [100, 101, 1_000, 2_500, 10_001]);
      const events = Array.from({ length: n }, (_, i) => ({ cuid: String(i + 1), name: 'purchase', time: `${ctx.today}T00:00:00Z` }));
      return pick(r, [
        {
          variant: `${variant}:events:${n}`,
          query: `mutation($e: [GrowthEventInput!]!) { reportGrowthEvents(appKey: "${app}", events: $e) { total succeeded failed } }`,
          variables: { e: events },
          token: 'admin' as const,
        },
        {
          variant: `${variant}:values:${n}`,
          query: 'mutation($v: [String!]!) { resolveGrowthUsers(identityName: "phone", values: $v) { total failed } }',
          variables: { v: Array.from({ length: n }, (_, i) => String(13_800_000_000 + i)) },
          token: 'admin' as const,
        },
      ]);
    }
    case 'type-system':
      return {
        variant,
        query: pick(r, [
          'type X { a: Int }',
          'extend type Query { x: Int }',
          'schema { query: Query }',
          '{ __typename } type X { a: Int }',
          'directive @x on FIELD { __typename }',
        ]),
      };
  }
  return { variant: 'none', query: '{ __typename }' };
}

// ---------------------------------------------------------------------------------------------
// HTTP (undici) and raw (node:net) requests

const TYPENAME = '{"query":"{ __typename }"}';

function httpCase(r: Rng, ctx: FuzzContext): { variant: string; request: HttpSpec; expect?: 'any' } {
  const app = ctx.apps[0]!;
  const ids = Object.keys(ctx.documents);
  const variant = weighted(r, [
    [4, 'content-type'],
    [5, 'body'],
    [4, 'get'],
    [3, 'method'],
    [4, 'authorization'],
    [2, 'oversize'],
    [4, 'persisted'],
    [2, 'multipart'],
    [3, 'path'],
    [2, 'headers'],
    [1, 'callback'],
  ]);
  switch (variant) {
    case 'content-type': {
      const type = pick(r, [
        '',
        'text/plain',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; charset="UTF-8"',
        'APPLICATION/JSON',
        'application/graphql',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'multipart/form-data; boundary=xyz',
        'application/graphql-response+json',
        'application/json, text/plain',
        'application/jsonx',
        'application/json;;;',
        'application/json; charset=utf-8; charset=latin1',
        '*/*',
        'application/json\t',
        'application/json; x=\u00fc',
      ]);
      const headers: Record<string, string> = {
        authorization: 'Bearer {{reader}}',
        ...(type ? { 'content-type': type } : {}),
        ...(chance(r, 0.3) ? { 'apollo-require-preflight': 'true' } : {}),
      };
      const body = pick(r, [TYPENAME, 'query=%7B__typename%7D', '{ __typename }', '']);
      return { variant: `${variant}:${type || 'none'}`, request: { kind: 'http', method: 'POST', path: GRAPHQL, headers, body } };
    }
    case 'body': {
      const bodies: [string, string, ('utf8' | 'latin1')?][] = [
        ['empty', ''],
        ['open-brace', '{'],
        ['unterminated', '{"query":'],
        ['null', 'null'],
        ['number', '1'],
        ['string', '"{ __typename }"'],
        ['true', 'true'],
        ['empty-array', '[]'],
        ['batch-1', `[${TYPENAME}]`],
        ['batch-2', `[${TYPENAME}, {"query":"{ apps { name } }"}]`],
        ['batch-mixed', '[1, null, "x", {"query": "{ __typename }"}]'],
        ['batch-100', `[${Array(100).fill(TYPENAME).join(',')}]`],
        ['query-null', '{"query": null}'],
        ['query-number', '{"query": 1}'],
        ['query-array', '{"query": ["{ __typename }"]}'],
        ['query-object', '{"query": {}}'],
        ['no-query', '{"variables": {}}'],
        ['variables-array', '{"query":"{ __typename }","variables":[]}'],
        ['variables-string', '{"query":"{ __typename }","variables":"{}"}'],
        ['operationName-number', '{"query":"{ __typename }","operationName":5}'],
        ['extensions-string', '{"query":"{ __typename }","extensions":"x"}'],
        ['extensions-array', '{"query":"{ __typename }","extensions":[]}'],
        ['proto', '{"__proto__": {"query": "{ __typename }"}}'],
        ['constructor', '{"query":"{ __typename }","constructor":{"prototype":{"x":1}},"__proto__":{"admin":true}}'],
        ['duplicate-keys', '{"query":"{ __typename }","query":"{ apps { name } }"}'],
        ['bom', `\ufeff${TYPENAME}`],
        ['invalid-utf8', '\xff\xfe{"query":"{ __typename }"}', 'latin1'],
        ['invalid-utf8-in-string', '{"query":"{ __type(name: \\"\xc3\x28\\") { name } }"}', 'latin1'],
        ['utf16', Buffer.from(TYPENAME, 'utf16le').toString('latin1'), 'latin1'],
        ['trailing-garbage', `${TYPENAME} x`],
        ['nul', '{"query":"{ __typename }"}\u0000'],
        ['deep', deepJson(r)],
        ['huge-number', '{"query":"{ __typename }","variables":{"a":1e400}}'],
        ['lone-surrogate', '{"query":"{ __type(name: \\"\\ud800\\") { name } }"}'],
        ['escaped-nul', '{"query":"{ __type(name: \\"\\u0000\\") { name } }"}'],
        ['whitespace', ' \n\t '],
        ['documentId-and-query', `{"query":"{ __typename }","documentId":"${ids[0] ?? 'sha256:00'}"}`],
      ];
      const [name, body, encoding] = pick(r, bodies);
      return { variant: `${variant}:${name}`, request: { ...post(body, pick(r, ['reader', 'admin'] as const)), ...(encoding ? { encoding } : {}) } };
    }
    case 'get': {
      const params = pick(r, [
        'query=%7B__typename%7D',
        'query=%7B__typename%7D&variables=notjson',
        'query=%7B__typename%7D&variables=%7B%22a%22%3A1%7D',
        'query=%7B__typename%7D&variables=%5B%5D',
        'query=%7B__typename%7D&extensions=broken',
        'query=%7B__typename%7D&extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22abc%22%7D%7D',
        `extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22${hex(r, 64)}%22%7D%7D`,
        'query=%7B__typename%7D&query=%7Bapps%7Bname%7D%7D',
        'query=mutation%7BdeleteApp(appKey%3A%22x%22)%7Bdeleted%7D%7D',
        `documentId=${encodeURIComponent(pick(r, ids) ?? 'x')}`,
        `documentId=${encodeURIComponent(pick(r, ids) ?? 'x')}&variables=${encodeURIComponent(JSON.stringify({ appKey: app, first: 2 }))}`,
        `documentId=sha256%3A${hex(r, 64)}`,
        'documentId=',
        'query=',
        '',
        '%zz=1',
        'query=%E0%A4%A',
        'query=%00',
        `query=${encodeURIComponent(`{ __type(name: "${'x'.repeat(pick(r, [1_000, 6_000]))}") { name } }`)}`,
        'operationName=x',
        'query=%7B__typename%7D&operationName=Nope',
        'query={__typename}',
        `query=%7B__typename%7D&${'a=1&'.repeat(1_000)}`,
        'query=%7B__typename%7D#fragment',
      ]);
      const headers: Record<string, string> = { authorization: `Bearer {{${pick(r, ['reader', 'admin'] as const)}}}` };
      if (chance(r, 0.8)) headers['apollo-require-preflight'] = 'true';
      if (chance(r, 0.2)) headers.accept = pick(r, ['text/html', 'application/graphql-response+json', '*/*', 'text/event-stream', 'multipart/mixed']);
      if (chance(r, 0.1)) headers['content-type'] = pick(r, ['application/json', 'text/plain']);
      return { variant: `${variant}:${params.slice(0, 40)}`, request: { kind: 'http', method: 'GET', path: `${GRAPHQL}${params ? '?' : ''}${params}`, headers } };
    }
    case 'method': {
      const method = pick(r, ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'BREW', 'TRACE', 'get', 'Post', 'M-SEARCH', 'QUERY']);
      const path = pick(r, [GRAPHQL, '/health', '/metrics', `${GRAPHQL}?query=%7B__typename%7D`]);
      const withBody = method !== 'HEAD' && method !== 'TRACE' && method !== 'get' && chance(r, 0.6);
      const headers: Record<string, string> = {
        authorization: 'Bearer {{reader}}',
        'apollo-require-preflight': 'true',
        ...(withBody ? { 'content-type': 'application/json' } : {}),
      };
      if (method === 'OPTIONS') Object.assign(headers, { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
      return { variant: `${variant}:${method}`, request: { kind: 'http', method, path, headers, ...(withBody ? { body: TYPENAME } : {}) } };
    }
    case 'authorization': {
      const value = pick(r, [
        null,
        '',
        'Bearer',
        'Bearer ',
        'Bearer  {{reader}}',
        'bearer {{reader}}',
        'BEARER {{reader}}',
        'Basic {{reader}}',
        'Bearer {{reader}}x',
        'Bearer x{{reader}}',
        'Bearer {{reader}} extra',
        'Bearer {{reader}},Bearer {{admin}}',
        `Bearer ${'A'.repeat(8_000)}`,
        'Token {{admin}}',
        'Bearer {{reader}}\t',
        `Bearer ${hex(r, 43)}`,
        'Bearer null',
        'Bearer undefined',
        `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      ]);
      const body = pick(r, [TYPENAME, '{"query":"mutation { deleteApp(appKey: \\"x\\") { deleted } }"}', `{"query":"{ app(appKey: \\"${app}\\") { name } }"}`]);
      return {
        variant: `${variant}:${value === null ? 'missing' : value.slice(0, 30)}`,
        request: { kind: 'http', method: 'POST', path: GRAPHQL, headers: { 'content-type': 'application/json', ...(value === null ? {} : { authorization: value }) }, body },
      };
    }
    case 'oversize': {
      const size = ctx.maxBodyBytes + pick(r, [1, 1_000, 1_048_576]);
      const frame = '{"query":"{ __typename }","variables":{"x":""}}';
      const body = `{"query":"{ __typename }","variables":{"x":"${'x'.repeat(size - frame.length)}"}}`;
      const token = chance(r, 0.85) ? 'reader' : null;
      const chunked = chance(r, 0.5) ? pick(r, [16_384, 65_536]) : undefined;
      return {
        variant: `${variant}:${chunked ? 'chunked' : 'declared'}${token ? '' : ':no-token'}`,
        request: { ...post(body, token), ...(chunked ? { chunked } : {}) },
        // Without a token the body is refused unread and the connection closed: a reset is allowed.
        ...(token ? {} : { expect: 'any' as const }),
      };
    }
    case 'persisted': {
      const known = pick(r, ids) ?? 'sha256:00';
      const hash = known.replace(/^sha256:/, '');
      const vars = {
        appKey: pick(r, ctx.apps),
        first: int(r, 1, 5),
        key: pick(r, ctx.linkKeys),
        from: addDays(ctx.today, -10),
        to: ctx.today,
        subject: { idType: 'OAID', value: 'oaid-1' },
      };
      const [name, body] = pick<[string, unknown]>(r, [
        ['documentId-unknown', { documentId: `sha256:${hex(r, 64)}` }],
        ['documentId-known', { documentId: known, variables: vars }],
        ['documentId-known-no-vars', { documentId: known }],
        [
          'documentId-known-bad-vars',
          {
            documentId: known,
            variables: {
              appKey: pick<unknown>(r, [123, null, ['x'], oddString(r)]),
              first: raw(pick(r, HUGE_NUMBERS)),
              key: { a: 1 },
              from: '2024-13-01',
              subject: raw(deepJson(r)),
            },
          },
        ],
        ['documentId-known-vars-not-object', { documentId: known, variables: pick<unknown>(r, ['x', [], 1, raw('null')]) }],
        ['documentId-known-operation-name', { documentId: known, variables: vars, operationName: pick<unknown>(r, ['Nope', 5, '']) }],
        ['documentId-and-other-query', { documentId: known, query: '{ apps { name } }', variables: vars }],
        ['documentId-number', { documentId: 123 }],
        ['documentId-md5', { documentId: `md5:${hex(r, 32)}` }],
        ['documentId-bare-hash', { documentId: hash }],
        ['documentId-huge', { documentId: `sha256:${'a'.repeat(500_000)}` }],
        ['documentId-upper', { documentId: known.toUpperCase() }],
        ['apq-unknown', { extensions: { persistedQuery: { version: 1, sha256Hash: hex(r, 64) } } }],
        ['apq-known', { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: vars }],
        ['apq-mismatch', { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: hex(r, 64) } } }],
        ['apq-known-other-query', { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }],
        ['apq-version-2', { query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: hash } } }],
        ['apq-no-version', { extensions: { persistedQuery: { sha256Hash: hex(r, 64) } } }],
        ['apq-string', { query: '{ __typename }', extensions: { persistedQuery: 'x' } }],
        ['apq-hash-number', { extensions: { persistedQuery: { version: 1, sha256Hash: 5 } } }],
        ['apq-huge-hash', { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(500_000) } } }],
        ['apq-register-mismatch', { query: `{ apps { name } ${'__typename '.repeat(int(r, 1, 5))}}`, extensions: { persistedQuery: { version: 1, sha256Hash: hex(r, 64) } } }],
        ['both', { documentId: known, extensions: { persistedQuery: { version: 1, sha256Hash: hex(r, 64) } } }],
      ]);
      return { variant: `${variant}:${name}`, request: post(json(body), pick(r, ['reader', 'admin', 'scoped'] as const)) };
    }
    case 'multipart': {
      const boundary = `----fuzz${alnum(r, 12)}`;
      const ops = json({
        query: 'mutation($appKey: ID!, $file: Upload!) { uploadCertificate(appKey: $appKey, development: { file: $file, password: "p12-password" }) { uploaded { environment } } }',
        variables: { appKey: pick(r, ctx.apps), file: null },
      });
      const file = pick(r, ['not a p12', `\x30\x82\x01\x00${'A'.repeat(200)}`, 'x'.repeat(70_000), '']);
      const part = (name: string, value: string, filename?: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: application/x-pkcs12` : ''}\r\n\r\n${value}\r\n`;
      const [name, body] = pick<[string, string]>(r, [
        ['valid-shape', `${part('operations', ops) + part('map', '{"0":["variables.file"]}') + part('0', file, 'push.p12')}--${boundary}--\r\n`],
        ['no-map', `${part('operations', ops) + part('0', file, 'push.p12')}--${boundary}--\r\n`],
        ['bad-map-path', `${part('operations', ops) + part('map', '{"0":["variables.nope.deep"]}') + part('0', file, 'push.p12')}--${boundary}--\r\n`],
        ['map-not-json', `${part('operations', ops) + part('map', '{0:')}--${boundary}--\r\n`],
        ['operations-not-json', `${part('operations', '{') + part('map', '{}')}--${boundary}--\r\n`],
        ['operations-array', `${part('operations', `[${ops}]`) + part('map', '{"0":["0.variables.file"]}') + part('0', file, 'a.p12')}--${boundary}--\r\n`],
        [
          'three-files',
          `${part('operations', ops) + part('map', '{"0":["variables.file"],"1":["variables.file"],"2":["variables.file"]}') + part('0', file, 'a.p12') + part('1', file, 'b.p12') + part('2', file, 'c.p12')}--${boundary}--\r\n`,
        ],
        ['truncated', (part('operations', ops) + part('map', '{"0":["variables.file"]}') + part('0', file, 'push.p12')).slice(0, -int(r, 5, 60))],
        ['wrong-boundary', `${part('operations', ops).replace(boundary, 'other')}--${boundary}--\r\n`],
        ['empty', ''],
        ['garbage', oddString(r)],
      ]);
      const headers: Record<string, string> = {
        authorization: `Bearer {{${pick(r, ['admin', 'reader'] as const)}}}`,
        'content-type': chance(r, 0.9) ? `multipart/form-data; boundary=${boundary}` : 'multipart/form-data',
        ...(chance(r, 0.85) ? { 'apollo-require-preflight': 'true' } : {}),
      };
      return { variant: `${variant}:${name}`, request: { kind: 'http', method: 'POST', path: GRAPHQL, headers, body, encoding: 'latin1' } };
    }
    case 'path': {
      const path = pick(r, [
        '/health',
        '/metrics',
        '/graphql/',
        '/GRAPHQL',
        '/graphql;x',
        '/graphql%00',
        '/%2e%2e/%2e%2e/etc/passwd',
        '/graphiql/react.js',
        '/graphiql/graphiql.css',
        '/graphiql/nope',
        '/graphiql/../../../../etc/passwd',
        '/graphiql/%2e%2e%2f%2e%2e%2fpackage.json',
        '/graphiql/',
        '/callbacks/jverification/',
        `/callbacks/jverification/${alnum(r, 32)}`,
        '/callbacks/jverification/../../health',
        '/',
        '/ready',
        '/favicon.ico',
        `/${'a'.repeat(int(r, 100, 8_000))}`,
        '/graphql?',
        '/graphql?&&&',
        '/health?x=%zz',
      ]);
      const method = pick(r, ['GET', 'POST', 'HEAD']);
      const headers: Record<string, string> = {
        authorization: 'Bearer {{reader}}',
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...(chance(r, 0.3) ? { accept: 'text/html' } : {}),
      };
      return { variant: `${variant}:${method}:${path.slice(0, 30)}`, request: { kind: 'http', method, path, headers, ...(method === 'POST' ? { body: TYPENAME } : {}) } };
    }
    case 'headers': {
      const extra = pick<Record<string, string>>(r, [
        { 'x-request-id': '../../etc' },
        { 'x-request-id': 'x'.repeat(2_000) },
        { 'x-request-id': '' },
        { accept: 'application/xml' },
        { accept: 'text/event-stream' },
        { accept: 'multipart/mixed; deferSpec=20220824' },
        { accept: '' },
        { 'content-encoding': 'gzip' },
        { 'content-encoding': 'br, identity' },
        { 'x-apollo-operation-name': 'x' },
        { 'apollo-require-preflight': 'false' },
        { cookie: 'a=b'.repeat(1_000) },
        { 'x-forwarded-for': `1.2.3.4, ${'5.6.7.8, '.repeat(500)}` },
        { origin: 'null' },
        { connection: 'close' },
        { 'content-language': 'zh-CN', 'accept-language': '*;q=0.1, zh;q=abc' },
        Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, String(i)])),
      ]);
      const headers: Record<string, string> = { authorization: 'Bearer {{reader}}', 'content-type': 'application/json', ...extra };
      return {
        variant: `${variant}:${Object.keys(extra)[0]}`,
        request: { kind: 'http', method: 'POST', path: GRAPHQL, headers, body: pick(r, [TYPENAME, `{"query":"{ app(appKey: \\"${app}\\") { name } }"}`]) },
      };
    }
    case 'callback': {
      const body = pick(r, ['', '{', '{"app_key":"x","platform":"android","code":1}', `{"app_key":"${app}","platform":"ANDROID","code":"x"}`, deepJson(r), 'x'.repeat(100_000)]);
      return {
        variant,
        request: { kind: 'http', method: 'POST', path: `/callbacks/jverification/${alnum(r, 40)}`, headers: { 'content-type': pick(r, ['application/json', 'text/plain']) }, body },
      };
    }
  }
  return { variant: 'none', request: post(TYPENAME, 'reader') };
}

function rawCase(r: Rng, ctx: FuzzContext): { variant: string; request: RawSpec; expect?: 'any' } {
  const host = 'Host: 127.0.0.1\r\n';
  const auth = 'Authorization: Bearer {{reader}}\r\n';
  const close = 'Connection: close\r\n';
  const variant = weighted(r, [
    [5, 'target'],
    [5, 'headers'],
    [5, 'framing'],
    [2, 'expect'],
    [2, 'pipelining'],
    [2, 'garbage'],
  ]);
  switch (variant) {
    case 'target': {
      const target = pick(r, [
        '//[',
        '///',
        'http://[::1',
        '*',
        'http://example.com/graphql',
        'http://127.0.0.1/health',
        'https://127.0.0.1/graphql?query=%7B__typename%7D',
        'graphql',
        '?query=x',
        '/graphql?query={__typename}',
        '/graphql?query={ __typename }',
        '/gra\tphql',
        '/%ZZ',
        '/\x01',
        '/graphql?\x7f',
        '/graphql?query=\xff\xfe',
        '/\xe6\xb5\x8b',
        '//graphql',
        '/health#x',
        `/graphql?query=${'a'.repeat(pick(r, [8_000, 20_000]))}`,
        '/graphql\\..\\health',
        '',
      ]);
      const method = pick(r, ['GET', 'POST', 'OPTIONS', 'HEAD']);
      const body = method === 'POST' ? TYPENAME : '';
      const head = `${method} ${target} HTTP/1.1\r\n${host}${auth}${close}${body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : ''}\r\n`;
      return { variant: `${variant}:${JSON.stringify(target).slice(1, 30)}`, request: { kind: 'raw', head, body } };
    }
    case 'headers': {
      const [name, lines, body] = pick<[string, string, string?]>(r, [
        ['no-host', `GET /health HTTP/1.1\r\n${close}\r\n`],
        ['two-hosts', `GET /health HTTP/1.1\r\n${host}${host}${close}\r\n`],
        [
          'two-lengths',
          `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json\r\nContent-Length: ${TYPENAME.length}\r\nContent-Length: 5\r\n\r\n`,
          TYPENAME,
        ],
        [
          'length-and-chunked',
          `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json\r\nContent-Length: ${TYPENAME.length}\r\nTransfer-Encoding: chunked\r\n\r\n`,
          `${TYPENAME.length.toString(16)}\r\n${TYPENAME}\r\n0\r\n\r\n`,
        ],
        [
          'chunked-twice',
          `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json\r\nTransfer-Encoding: chunked, chunked\r\n\r\n`,
          `${TYPENAME.length.toString(16)}\r\n${TYPENAME}\r\n0\r\n\r\n`,
        ],
        [
          'te-identity',
          `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json\r\nTransfer-Encoding: identity\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`,
          TYPENAME,
        ],
        ['te-gzip', `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n`, TYPENAME],
        [
          'obs-fold',
          `POST /graphql HTTP/1.1\r\n${host}Authorization: Bearer\r\n {{reader}}\r\n${close}Content-Type: application/json\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`,
          TYPENAME,
        ],
        ['no-colon', `GET /health HTTP/1.1\r\n${host}NoColonHere\r\n${close}\r\n`],
        ['space-in-name', `GET /health HTTP/1.1\r\n${host}Bad Name: x\r\n${close}\r\n`],
        ['space-before-colon', `GET /health HTTP/1.1\r\n${host}Authorization : Bearer {{reader}}\r\n${close}\r\n`],
        [
          'nul-in-value',
          `POST /graphql HTTP/1.1\r\n${host}Authorization: Bearer {{reader}}\x00\r\n${close}Content-Type: application/json\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`,
          TYPENAME,
        ],
        [
          'non-ascii-auth',
          `POST /graphql HTTP/1.1\r\n${host}Authorization: Bearer \xc3\xa9\xff\r\n${close}Content-Type: application/json\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`,
          TYPENAME,
        ],
        [
          'non-ascii-content-type',
          `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json; charset=\xff\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`,
          TYPENAME,
        ],
        [
          'two-authorizations',
          `POST /graphql HTTP/1.1\r\n${host}Authorization: Bearer {{reader}}\r\nAuthorization: Bearer {{admin}}\r\n${close}Content-Type: application/json\r\nContent-Length: 61\r\n\r\n`,
          '{"query":"mutation { deleteApp(appKey: \\"x\\") { deleted } }"}',
        ],
        [
          'two-content-types',
          `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`,
          TYPENAME,
        ],
        ['huge-header', `GET /health HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(pick(r, [15_000, 70_000]))}\r\n${close}\r\n`],
        ['many-headers', `GET /health HTTP/1.1\r\n${host}${Array.from({ length: pick(r, [500, 3_000]) }, (_, i) => `X-H${i}: ${i}\r\n`).join('')}${close}\r\n`],
        ['lf-only', `GET /health HTTP/1.1\n${host.replace('\r', '')}${close.replace('\r', '')}\n`],
        ['cr-only', `GET /health HTTP/1.1\r${host.replace('\n', '')}${close.replace('\n', '')}\r`],
        ['request-id-odd', `GET /health HTTP/1.1\r\n${host}X-Request-Id: \xff\xfe\x01\r\n${close}\r\n`],
        ['http10', `POST /graphql HTTP/1.0\r\n${auth}Content-Type: application/json\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`, TYPENAME],
        ['http09', `GET /health\r\n\r\n`],
        ['http2-version', `GET /health HTTP/2.0\r\n${host}${close}\r\n`],
        ['http-bad-version', `GET /health HTTP/9.9\r\n${host}${close}\r\n`],
        ['lowercase-method', `get /health HTTP/1.1\r\n${host}${close}\r\n`],
        ['leading-crlf', `\r\n\r\nGET /health HTTP/1.1\r\n${host}${close}\r\n`],
        ['h2-preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
        ['connect', `CONNECT 127.0.0.1:80 HTTP/1.1\r\n${host}\r\n`],
        [
          'upgrade-websocket',
          `GET /graphql HTTP/1.1\r\n${host}${auth}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        ],
        ['upgrade-h2c', `GET /health HTTP/1.1\r\n${host}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`],
      ]);
      const expectAny = ['huge-header', 'many-headers', 'connect', 'upgrade-websocket', 'upgrade-h2c', 'cr-only', 'h2-preface', 'http09'].includes(name);
      return {
        variant: `${variant}:${name}`,
        request: { kind: 'raw', head: lines, ...(body ? { body } : {}), halfClose: expectAny },
        ...(expectAny ? { expect: 'any' as const } : {}),
      };
    }
    case 'framing': {
      const post = (headers: string) => `POST /graphql HTTP/1.1\r\n${host}${auth}${close}Content-Type: application/json\r\n${headers}\r\n`;
      const [name, head, body, halfClose] = pick<[string, string, string, boolean]>(r, [
        ['truncated', post('Content-Length: 100\r\n'), TYPENAME.slice(0, 10), true],
        ['truncated-json', post(`Content-Length: ${TYPENAME.length}\r\n`), TYPENAME.slice(0, 10), true],
        ['truncated-oversize', post(`Content-Length: ${ctx.maxBodyBytes * 2}\r\n`), 'x'.repeat(1_000), true],
        ['truncated-chunked', post('Transfer-Encoding: chunked\r\n'), `${(100).toString(16)}\r\n${'x'.repeat(20)}`, true],
        ['chunked-no-terminator', post('Transfer-Encoding: chunked\r\n'), `${TYPENAME.length.toString(16)}\r\n${TYPENAME}\r\n`, true],
        ['chunked-valid', post('Transfer-Encoding: chunked\r\n'), `${TYPENAME.length.toString(16)}\r\n${TYPENAME}\r\n0\r\n\r\n`, false],
        ['chunked-split', post('Transfer-Encoding: chunked\r\n'), `${[...TYPENAME].map((c) => `1\r\n${c}\r\n`).join('')}0\r\n\r\n`, false],
        ['chunked-extensions', post('Transfer-Encoding: chunked\r\n'), `${TYPENAME.length.toString(16)};ext=1;x="y"\r\n${TYPENAME}\r\n0\r\n\r\n`, false],
        [
          'chunked-trailers',
          post('Transfer-Encoding: chunked\r\n'),
          `${TYPENAME.length.toString(16)}\r\n${TYPENAME}\r\n0\r\nX-Trailer: 1\r\nAuthorization: Bearer x\r\n\r\n`,
          false,
        ],
        ['chunked-bad-size', post('Transfer-Encoding: chunked\r\n'), `zz\r\n${TYPENAME}\r\n0\r\n\r\n`, true],
        ['chunked-huge-size', post('Transfer-Encoding: chunked\r\n'), `ffffffffffffffffff\r\n${TYPENAME}\r\n0\r\n\r\n`, true],
        ['chunked-negative', post('Transfer-Encoding: chunked\r\n'), `-1\r\n${TYPENAME}\r\n0\r\n\r\n`, true],
        ['length-negative', post('Content-Length: -1\r\n'), TYPENAME, true],
        ['length-text', post('Content-Length: abc\r\n'), TYPENAME, true],
        ['length-float', post('Content-Length: 1e3\r\n'), TYPENAME, true],
        ['length-huge', post('Content-Length: 99999999999999999999\r\n'), TYPENAME, true],
        ['length-plus', post(`Content-Length: +${TYPENAME.length}\r\n`), TYPENAME, true],
        ['length-spaces', post(`Content-Length:  ${TYPENAME.length} \r\n`), TYPENAME, false],
        ['length-list', post(`Content-Length: ${TYPENAME.length}, ${TYPENAME.length}\r\n`), TYPENAME, true],
        ['length-short', post('Content-Length: 5\r\n'), TYPENAME, true],
        ['no-length', post(''), TYPENAME, true],
        ['oversize-declared-sent', post(`Content-Length: ${ctx.maxBodyBytes + 10}\r\n`), 'x'.repeat(ctx.maxBodyBytes + 10), false],
        ['oversize-chunked-sent', post('Transfer-Encoding: chunked\r\n'), `${(ctx.maxBodyBytes + 10).toString(16)}\r\n${'x'.repeat(ctx.maxBodyBytes + 10)}\r\n0\r\n\r\n`, false],
        [
          'get-with-body',
          `GET /graphql?query=%7B__typename%7D HTTP/1.1\r\n${host}${auth}${close}Apollo-Require-Preflight: true\r\nContent-Length: ${TYPENAME.length}\r\n\r\n`,
          TYPENAME,
          false,
        ],
        [
          'get-with-oversize-body',
          `GET /graphql?query=%7B__typename%7D HTTP/1.1\r\n${host}${auth}${close}Apollo-Require-Preflight: true\r\nContent-Length: ${ctx.maxBodyBytes + 1}\r\n\r\n`,
          'x'.repeat(ctx.maxBodyBytes + 1),
          false,
        ],
        ['no-token-big-body', `POST /graphql HTTP/1.1\r\n${host}${close}Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n`, 'x'.repeat(500_000), false],
      ]);
      const expectAny = halfClose || name === 'no-token-big-body';
      return { variant: `${variant}:${name}`, request: { kind: 'raw', head, body, halfClose }, ...(expectAny ? { expect: 'any' as const } : {}) };
    }
    case 'expect': {
      const [name, len, body, wait] = pick<[string, number, string, boolean]>(r, [
        ['continue', TYPENAME.length, TYPENAME, true],
        ['continue-no-wait', TYPENAME.length, TYPENAME, false],
        ['continue-oversize', ctx.maxBodyBytes + 1, 'x'.repeat(ctx.maxBodyBytes + 1), true],
        ['continue-empty', 0, '', true],
      ]);
      const expectation = chance(r, 0.85) ? '100-continue' : pick(r, ['something-else', '100-Continue', '']);
      const token = chance(r, 0.8) ? auth : '';
      const head = `POST /graphql HTTP/1.1\r\n${host}${token}${close}Content-Type: application/json\r\nContent-Length: ${len}\r\nExpect: ${expectation}\r\n\r\n`;
      return {
        variant: `${variant}:${name}:${expectation || 'empty'}${token ? '' : ':no-token'}`,
        request: { kind: 'raw', head, body, waitContinue: wait },
        ...(token ? {} : { expect: 'any' as const }),
      };
    }
    case 'pipelining': {
      const one = `POST /graphql HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nContent-Length: ${TYPENAME.length}\r\n\r\n${TYPENAME}`;
      const head = pick(r, [
        `${one}GET /health HTTP/1.1\r\n${host}${close}\r\n`,
        `${one}${one}${one}GET /health HTTP/1.1\r\n${host}${close}\r\n`,
        `POST /graphql HTTP/1.1\r\n${host}${auth}Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":GET /health HTTP/1.1\r\n${host}${close}\r\n`,
        `${one}\x00\x01garbage\r\n\r\n`,
        `${`GET /health HTTP/1.1\r\n${host}\r\n`.repeat(50)}GET /health HTTP/1.1\r\n${host}${close}\r\n`,
      ]);
      return { variant, request: { kind: 'raw', head, halfClose: true }, expect: 'any' };
    }
    case 'garbage': {
      const n = int(r, 1, 2_000);
      const bytes = chance(r, 0.5)
        ? Array.from({ length: n }, () => String.fromCharCode(int(r, 0, 255))).join('')
        : pick(r, [
            `\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03${'A'.repeat(100)}`,
            'SSH-2.0-OpenSSH_9.0\r\n',
            '\r\n'.repeat(n),
            'GET',
            'G',
            ' '.repeat(n),
            'POST /graphql HTTP/1.1\r\n',
          ]);
      return { variant: `${variant}:${n}`, request: { kind: 'raw', head: bytes, halfClose: true }, expect: 'any' };
    }
  }
  return { variant: 'none', request: { kind: 'raw', head: `GET /health HTTP/1.1\r\n${host}${close}\r\n` } };
}

// ---------------------------------------------------------------------------------------------
// The case of index i

export const FAMILY_WEIGHTS: readonly (readonly [number, string])[] = [
  [24, 'valid-query'],
  [8, 'valid-mutation'],
  [18, 'mutated-doc'],
  [8, 'mutated-vars'],
  [14, 'hostile'],
  [20, 'http'],
  [8, 'raw'],
];

/** Seeded app keys never reach an admin deleteApp: the fuzzer keeps the emulator's data. */
function guardDeletes(request: HttpSpec | RawSpec, ctx: FuzzContext): HttpSpec | RawSpec {
  if (request.kind !== 'http') return request;
  const text = request.body ?? request.path;
  if (/deleteApp/.test(text) && request.headers.authorization?.includes('{{admin}}') && ctx.apps.some((a) => text.includes(a))) {
    return { ...request, headers: { ...request.headers, authorization: 'Bearer {{reader}}' } };
  }
  return request;
}

export function generateCase(seed: number, index: number, ctx: FuzzContext): FuzzCase {
  const r = rngFor('fuzz', seed, index);
  const family = weighted(r, FAMILY_WEIGHTS);
  let variant = '';
  let request: HttpSpec | RawSpec;
  let expect: 'answer' | 'any' = 'answer';
  switch (family) {
    case 'valid-query':
    case 'valid-mutation': {
      const op = family === 'valid-query' ? validQuery(r, ctx) : validMutation(r, ctx);
      request = operationRequest(r, op);
      variant = `${op.token}${request.method === 'GET' ? ':get' : ''}`;
      break;
    }
    case 'mutated-doc': {
      const m = mutatedDocument(r, ctx);
      request = operationRequest(r, m.op);
      variant = m.variant;
      break;
    }
    case 'mutated-vars': {
      const m = mutatedVariables(r, ctx);
      const { variant: v, ...spec } = m;
      request = spec;
      variant = v;
      break;
    }
    case 'hostile': {
      const h = hostile(r, ctx);
      const body: Record<string, unknown> = { query: h.query };
      if (h.variables !== undefined) body.variables = h.variables;
      if (h.operationName !== undefined) body.operationName = h.operationName;
      request = post(json(body), h.token ?? pick(r, ['reader', 'admin'] as const));
      variant = h.variant;
      break;
    }
    case 'http': {
      const h = httpCase(r, ctx);
      request = h.request;
      variant = h.variant;
      if (h.expect) expect = h.expect;
      break;
    }
    default: {
      const h = rawCase(r, ctx);
      request = h.request;
      variant = h.variant;
      if (h.expect) expect = h.expect;
    }
  }
  return { seed, index, family, variant, request: guardDeletes(request, ctx), expect };
}
