// Persisted-document manifests from several places: the gateway's generated one, other teams' files
// and folders of them. Every manifest is checked at start-up, entry by entry (one line per problem,
// naming the file and the entry), a document under two ids or an id with two documents is refused,
// and a second team's operation then runs in trusted mode without touching generated code.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentIdOf, loadConfig, readManifests } from '../../src/config/index.js';
import type { App } from '../../src/generated/graphql.js';
import { INTROSPECTION_DOCUMENT, TrustedDocuments } from '../../src/inbound/documents.js';
import { type GraphQLBody, type Harness, startHarness } from '../helpers/harness.js';

const TEAM_B = 'query TeamBApps { apps { appKey name } }';
const TEAM_C = 'query TeamCGroups($appKey: ID!) { app(appKey: $appKey) { groupName } }';
const TEAM_D = 'query TeamDNames { apps { name } }';

let dir: string;
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
};
const manifest = (...documents: string[]) => Object.fromEntries(documents.map((d) => [documentIdOf(d), d]));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifests-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading manifests', () => {
  it('takes several files and folders of *.json, in the order configured', () => {
    const b = file('team-b.json', manifest(TEAM_B));
    file('teams/c.json', manifest(TEAM_C));
    file('teams/d.json', manifest(TEAM_D, TEAM_B)); // TEAM_B again, the same document: fine
    file('teams/README.md', 'not a manifest');
    const { documents, problems } = readManifests([b, join(dir, 'teams')]);
    expect(problems).toEqual([]);
    expect(documents.map((d) => d.document)).toEqual([TEAM_B, TEAM_C, TEAM_D]);
    expect(documents.map((d) => d.manifest)).toEqual([b, join(dir, 'teams', 'c.json'), join(dir, 'teams', 'd.json')]);
  });

  it('reads a file named twice (directly and through its folder) once', () => {
    const c = file('again/c.json', manifest(TEAM_C));
    const { documents, problems } = readManifests([c, join(dir, 'again')]);
    expect(problems).toEqual([]);
    expect(documents).toHaveLength(1);
  });

  it('refuses every bad entry, one line each, naming the file and the entry', () => {
    const wrongHash = `sha256:${'ab'.repeat(32)}`;
    const bad = file('bad.json', {
      [documentIdOf(TEAM_B)]: TEAM_B, // fine
      'md5:1234': TEAM_C,
      [`sha256:${'AB'.repeat(32)}`]: TEAM_C, // upper-case hex
      [documentIdOf(TEAM_D)]: 42,
      [wrongHash]: TEAM_D,
    });
    const { documents, problems } = readManifests([bad]);
    expect(documents.map((d) => d.document)).toEqual([TEAM_B]);
    expect(problems).toEqual([
      `persisted documents: ${bad}: entry "md5:1234": the key must be "sha256:" followed by 64 lower-case hex characters`,
      `persisted documents: ${bad}: entry "sha256:${'AB'.repeat(32)}": the key must be "sha256:" followed by 64 lower-case hex characters`,
      `persisted documents: ${bad}: entry "${documentIdOf(TEAM_D)}": the document must be a string, not number`,
      `persisted documents: ${bad}: entry "${wrongHash}": the key is not the SHA-256 of the document (which is ${documentIdOf(TEAM_D)})`,
    ]);
    for (const problem of problems) expect(problem).not.toContain('\n');
  });

  it('refuses a missing file, a file that is not JSON, not an object, and an empty folder, naming each', () => {
    const missing = join(dir, 'missing.json');
    const broken = file('broken.json', '{"sha256:');
    const list = file('list.json', [TEAM_B]);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const { problems } = readManifests([missing, broken, list, empty]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe(`persisted documents: ${missing}: cannot be read (ENOENT)`);
    expect(problems[1]).toMatch(new RegExp(`^persisted documents: ${broken}: is not valid JSON \\(.+\\)$`));
    expect(problems[2]).toBe(`persisted documents: ${list}: must be a JSON object of "sha256:<64 hex>": "<document>" entries`);
    expect(problems[3]).toBe(`persisted documents: ${empty}: the folder holds no *.json manifest`);
  });

  it('refuses the same id with another document in a second manifest', () => {
    const first = file('conflict/a.json', manifest(TEAM_B));
    // Team C's file claims Team B's id for its own document.
    const second = file('conflict/b.json', { [documentIdOf(TEAM_B)]: TEAM_C });
    const { documents, problems } = readManifests([first, second]);
    expect(documents.map((d) => d.document)).toEqual([TEAM_B]);
    expect(problems).toEqual([
      `persisted documents: ${second}: entry "${documentIdOf(TEAM_B)}": the key is not the SHA-256 of the document (which is ${documentIdOf(TEAM_C)}); ${first} has another document under this id`,
    ]);
  });

  it('refuses, with the configuration, a set with any problem: every problem in its list, one line each', () => {
    const good = file('good.json', manifest(TEAM_B));
    const bad = file('bad2.json', { 'sha256:x': TEAM_C, [documentIdOf(TEAM_D)]: null });
    const loaded = loadConfig({ GATEWAY_PERSISTED_DOCUMENTS: `${good}, ${bad}` });
    expect(loaded.ok).toBe(false);
    const problems = loaded.ok ? [] : loaded.problems.filter((p) => p.startsWith('persisted documents: '));
    expect(problems).toHaveLength(2);
    for (const problem of problems) expect(problem).not.toContain('\n');
    expect(problems[1]).toContain('the document must be a string, not null');
  });

  it('lists the documents, without the built-in introspection document', () => {
    const docs = new TrustedDocuments(readManifests([file('list2.json', manifest(TEAM_B, TEAM_D))]).documents, true);
    expect(docs.list().map((d) => d.id)).toEqual([documentIdOf(TEAM_B), documentIdOf(TEAM_D)]);
    expect(docs.size).toBe(2);
    expect(docs.resolve({ documentId: INTROSPECTION_DOCUMENT.id })).toMatchObject({ ok: true, params: { query: INTROSPECTION_DOCUMENT.document } });
  });
});

describe('a second team in trusted mode', () => {
  let h: Harness;
  let teams: string;
  beforeAll(async () => {
    teams = join(dir, 'trusted-teams');
    file('trusted-teams/team-b.json', manifest(TEAM_B));
    const c = file('team-c-only.json', manifest(TEAM_C));
    h = await startHarness({ env: { GATEWAY_TRUSTED_DOCUMENTS: 'true', GATEWAY_PERSISTED_DOCUMENTS: `${teams}, ${c}` } });
  });
  afterAll(() => h?.close());

  /** Posts a request body; `T` is the shape of `data` the document it names answers. */
  const post = <T = unknown>(body: unknown) =>
    h
      .fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(async (r) => ({ status: r.status, body: (await r.json()) as GraphQLBody<T> }));

  it("runs the other teams' documents by id, next to the gateway's own", async () => {
    const b = await post<{ apps: Pick<App, 'appKey' | 'name'>[] }>({ documentId: documentIdOf(TEAM_B) });
    expect(b.status).toBe(200);
    expect(b.body.data!.apps).toHaveLength(h.emulator.apps.length);
    const appKey = h.emulator.apps[0]!.appKey;
    const c = await post<{ app: Pick<App, 'groupName'> }>({ documentId: documentIdOf(TEAM_C), variables: { appKey } });
    expect(c.status).toBe(200);
    expect(c.body.data!.app.groupName).toBe('demo-group');
    // The configuration read every manifest once and hands their documents on, the generated one's first.
    expect(h.config.documents.list.map((d) => d.document)).toEqual(expect.arrayContaining([TEAM_B, TEAM_C]));
    expect(h.config.documents.list[0]!.manifest).toBe(h.config.documents.manifests[0]);
    // The generated manifest still comes first and still runs.
    const ownIds = h.config.documents.list.filter((d) => d.manifest === h.config.documents.manifests[0]);
    expect(ownIds.length).toBeGreaterThan(0);
    expect((await post({ documentId: ownIds[0]!.id, variables: { appKey } })).status).toBe(200);
  });

  it('still refuses anything else', async () => {
    expect((await post({ query: TEAM_D })).body.errors![0]!.extensions!.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
    expect((await post({ documentId: documentIdOf(TEAM_D) })).body.errors![0]!.extensions!.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
  });

  it("answers the built-in introspection document, which GraphiQL's Docs pane uses", async () => {
    const r = await post<IntrospectionQuery>({ documentId: INTROSPECTION_DOCUMENT.id, operationName: 'IntrospectionQuery' });
    expect(r.status).toBe(200);
    expect(r.body.data!.__schema.queryType.name).toBe('Query');
  });

  it('leaves the introspection document to the introspection setting', async () => {
    const prod = await startHarness({ env: { GATEWAY_TRUSTED_DOCUMENTS: 'true', GATEWAY_INTROSPECTION: 'false' } });
    try {
      const r = await prod.fetch(prod.gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ documentId: INTROSPECTION_DOCUMENT.id }),
      });
      const body = (await r.json()) as GraphQLBody<IntrospectionQuery>;
      expect(body.data).toBeUndefined();
      expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await prod.close();
    }
  });
});
