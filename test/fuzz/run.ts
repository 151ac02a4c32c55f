// Runs fuzz cases against a running gateway and checks every answer: no 5xx, an answer within the
// time bound (or, for broken HTTP, at least a closed connection), JSON bodies that are JSON, and every
// `errors[].extensions.code` in the schema's ErrorCode enum. Shared by test/fuzz/fuzz.test.ts and
// scripts/fuzz.ts. Only bounded lists are kept (failures, slowest cases), so long campaigns stay small.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { Agent } from 'undici';
import type { GatewayConfig } from '../../src/config/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { ERROR_CODES, type FuzzCase, type FuzzContext, generateCase, type HttpSpec, type RawSpec } from './generate.js';
import type { Watchdog } from './watchdog.js';

export interface Target {
  /** e.g. http://127.0.0.1:4123 */
  url: string;
  tokens: { admin: string; reader: string; scoped: string };
  /** Values no answer may contain, by name. */
  secrets: { name: string; value: string }[];
}

export interface Outcome {
  case: FuzzCase;
  /** HTTP status of the (final) answer; null when none came. */
  status: number | null;
  ms: number;
  /** Distinct `errors[].extensions.code` values of the answer. */
  codes: string[];
  failures: string[];
  /** Why no answer came, or a note on the answer (first bytes of an unexpected body). */
  note?: string;
  /** The answer (status line, headers and the start of the body), when RunOptions.keepAnswers. */
  answer?: string;
}

export interface Summary {
  seed: number;
  total: number;
  ms: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  byFamily: Record<string, Record<string, number>>;
  /** Answers by status and the error codes they carried, e.g. "400 GRAPHQL_PARSE_FAILED". */
  byStatusAndCodes: Record<string, number>;
  /** Status counts by family and variant (the variant's name up to its first ':'). */
  byVariant: Record<string, Record<string, number>>;
  /** Every failing case, up to `keepFailures` (failureCount counts them all). */
  failures: Outcome[];
  failureCount: number;
  /** Answers carrying INTERNAL_SERVER_ERROR (in the enum, but an unexpected exception inside the gateway). */
  internal: Outcome[];
  internalCount: number;
  slowest: Outcome[];
  /** Error-level gateway log lines seen during the run, by message. */
  logProblems: Record<string, number>;
  health: { status: number | null; ok: boolean };
}

export interface RunOptions {
  seed: number;
  /** The case indices to run (e.g. 0…N-1). */
  indices: number[];
  concurrency: number;
  /** An answer slower than this is a failure. */
  boundMs: number;
  /** A request without an answer after this long is abandoned (and a failure). */
  hangMs: number;
  keepFailures?: number;
  /** The gateway's log lines (the harness's collector): scanned for errors and emptied as the run goes. */
  logs?: string[];
  onOutcome?: (outcome: Outcome, done: number) => void;
  /** Keep each answer's text in its Outcome (for replaying a few cases). */
  keepAnswers?: boolean;
  /** Values no answer may contain (Target.secrets). */
  secrets?: Target['secrets'];
  /** Told which cases are in flight, to name them if the event loop stops. */
  watchdog?: Watchdog;
}

// ---------------------------------------------------------------------------------------------
// The target: emulator + gateway through the test harness, with fairness and quotas out of the way

/** Per-token and quota limits raised so that thousands of cases are not all answered 429. */
export const FUZZ_ENV: Record<string, string> = {
  GATEWAY_TOKEN_REQUESTS_PER_SECOND: '10000000',
  GATEWAY_TOKEN_UPSTREAM_CALLS_PER_MINUTE: '10000000',
  GATEWAY_QUOTA_JMLINK_LINKS_PER_MINUTE: '1000000',
  GATEWAY_QUOTA_JMLINK_STATS_PER_MINUTE: '1000000',
  GATEWAY_QUOTA_GROWTH_PER_SECOND: '1000000',
};

export interface FuzzTarget {
  harness: Harness;
  target: Target;
  ctx: FuzzContext;
}

/**
 * The production settings the README recommends: only documents of the manifest run, no introspection.
 * A second campaign runs against them (other code paths: PERSISTED_DOCUMENT_REQUIRED, hidden schema).
 */
export const TRUSTED_ENV: Record<string, string> = { GATEWAY_TRUSTED_DOCUMENTS: 'true', GATEWAY_INTROSPECTION: 'false' };

/** A page of links, as the manifest's ShortLinks operation selects it. */
export type LinkPage = { pageInfo: { endCursor: string }; edges: { cursor: string; node: { key: string } }[] };

/**
 * What the generator needs to know of a running gateway: the manifest's documents, link keys and
 * cursors of the first two apps (listed with the manifest's own ShortLinks operation, so this works
 * in trusted mode too), and the gateway's limits.
 */
export async function learnFuzzContext(
  apps: string[],
  limits: GatewayConfig['limits'],
  listLinks: (query: string, variables: Record<string, unknown>) => Promise<LinkPage | null | undefined>,
): Promise<FuzzContext> {
  const manifest = new URL('../../client/generated/persisted-documents.json', import.meta.url);
  const documents = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, string>;
  const shortLinks = Object.values(documents).find((d) => /^query ShortLinks\b/.test(d));
  if (!shortLinks) throw new Error('fuzz: the persisted-documents manifest has no ShortLinks operation');
  const linkKeys: string[] = [];
  const cursors: string[] = [];
  for (const appKey of apps.slice(0, 2)) {
    const page = await listLinks(shortLinks, { appKey, first: 10 });
    if (!page || page.edges.length < 3) throw new Error(`fuzz: cannot list the links of ${appKey}`);
    for (const edge of page.edges) linkKeys.push(edge.node.key);
    cursors.push(page.pageInfo.endCursor, page.edges[2]!.cursor);
  }
  return {
    apps,
    linkKeys,
    cursors,
    documents,
    today: new Date().toISOString().slice(0, 10),
    maxBodyBytes: limits.maxBodyBytes,
    limits: { maxDepth: limits.maxDepth, maxAliases: limits.maxAliases, maxDirectives: limits.maxDirectives, maxTokens: limits.maxTokens, maxNesting: limits.maxNesting },
  };
}

/** Starts the emulator and the gateway (test/helpers/harness.ts) and learns what the generator needs. */
export async function startFuzzTarget(env: Record<string, string> = {}): Promise<FuzzTarget> {
  const harness = await startHarness({
    emulator: { rateLimits: { jmlinkLinksPerMinute: 1e9, jmlinkStatsPerMinute: 1e9, growthPerSecond: 1e9 }, verificationReviewDelayMs: 50 },
    env: { ...FUZZ_ENV, ...env },
  });
  const ctx = await learnFuzzContext(
    harness.emulator.apps.map((a) => a.appKey),
    harness.config.limits,
    async (query, variables) => (await harness.gql<{ app: { shortLinks: LinkPage | null } | null }>(query, variables)).body.data?.app?.shortLinks,
  );
  const { emulator } = harness;
  const secrets = [
    ...emulator.apps.map((a) => ({ name: `master secret of ${a.appKey}`, value: a.masterSecret })),
    { name: 'JPush/JVerification dev secret', value: emulator.developer.devSecret },
    { name: 'Growth project secret', value: emulator.growthProject.projectSecret },
    { name: 'registry key', value: harness.config.registry.key ?? '' },
    // Not the reader's token: the harness gives it to GraphiQL, whose page holds it by design.
    { name: 'admin token', value: harness.tokens.admin },
    { name: 'scoped token', value: harness.tokens.scoped },
  ].filter((s) => s.value.length >= 8);
  return { harness, target: { url: harness.gateway.url, tokens: harness.tokens, secrets }, ctx };
}

// ---------------------------------------------------------------------------------------------
// Sending

interface Answer {
  status: number | null;
  headers: Record<string, string>;
  body: Buffer;
  error?: string;
  timedOut?: boolean;
  /** The client library refused to send the request at all (not the server's doing). */
  unsent?: boolean;
}

const fill = (text: string, target: Target) => text.replace(/\{\{(admin|reader|scoped)\}\}/g, (_m, t: keyof Target['tokens']) => target.tokens[t]);

/** The undici Agent of a run; replaced whenever undici refuses a request (it then leaks a pool slot). */
interface Client {
  agent: Agent;
  connections: number;
}

async function sendHttp(spec: HttpSpec, target: Target, client: Client, hangMs: number): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers)) headers[k] = fill(v, target);
  const bytes = spec.body === undefined ? undefined : Buffer.from(spec.body, spec.encoding ?? 'utf8');
  const chunkSize = spec.chunked;
  // A stream without a length: undici sends it with chunked transfer encoding.
  const body =
    bytes && chunkSize
      ? Readable.from(
          (function* () {
            for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
          })(),
        )
      : bytes;
  try {
    const res = await client.agent.request({ origin: target.url, path: spec.path, method: spec.method, headers, body, signal: AbortSignal.timeout(hangMs) });
    const out = Buffer.from(await res.body.arrayBuffer());
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, body: out };
  } catch (error) {
    const e = error as Error & { code?: string; name: string };
    const unsent = e.code === 'UND_ERR_INVALID_ARG' || e.code === 'UND_ERR_NOT_SUPPORTED';
    if (unsent) {
      // undici (7.x) keeps a pool slot for a request it refused: after a few the pool hangs. Start afresh.
      const old = client.agent;
      client.agent = newAgent(client.connections, hangMs);
      void old.close().catch(() => {}); // requests of other workers on it still finish
    }
    return { status: null, headers: {}, body: Buffer.alloc(0), error: `${e.code ?? e.name}: ${e.message}`, timedOut: e.name === 'TimeoutError' || e.name === 'AbortError', unsent };
  }
}

/** A minimal HTTP/1.1 response reader: status line, headers, content-length / chunked / until-close bodies; skips 1xx. */
class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private head: { status: number; headers: Record<string, string> } | null = null;
  private length: number | 'chunked' | 'close' = 'close';
  continued = false;
  final: { status: number; headers: Record<string, string>; body: Buffer } | null = null;
  malformed = false;

  constructor(private readonly headRequest: boolean) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.parse();
  }

  /** The connection ended: a body read until close is complete now. */
  end(): void {
    if (!this.final && this.head && this.length === 'close') this.final = { ...this.head, body: this.buf };
  }

  private parse(): void {
    while (!this.final && !this.malformed) {
      if (!this.head) {
        const at = this.buf.indexOf('\r\n\r\n');
        if (at < 0) return;
        const lines = this.buf.subarray(0, at).toString('latin1').split('\r\n');
        this.buf = this.buf.subarray(at + 4);
        const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
        if (!m) {
          this.malformed = true;
          return;
        }
        const status = Number(m[1]);
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const c = line.indexOf(':');
          if (c > 0) {
            const k = line.slice(0, c).trim().toLowerCase();
            headers[k] = headers[k] ? `${headers[k]}, ${line.slice(c + 1).trim()}` : line.slice(c + 1).trim();
          }
        }
        if (status >= 100 && status < 200 && status !== 101) {
          this.continued = true;
          continue;
        }
        this.head = { status, headers };
        if (this.headRequest || status === 204 || status === 304 || status === 101) this.length = 0;
        else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) this.length = 'chunked';
        else if (headers['content-length'] !== undefined) this.length = Number(headers['content-length']);
        else this.length = 'close';
      }
      if (typeof this.length === 'number') {
        if (this.buf.length < this.length) return;
        this.final = { ...this.head, body: this.buf.subarray(0, this.length) };
        return;
      }
      if (this.length === 'chunked') {
        const parts: Buffer[] = [];
        let at = 0;
        for (;;) {
          const eol = this.buf.indexOf('\r\n', at);
          if (eol < 0) return;
          const size = parseInt(this.buf.subarray(at, eol).toString('latin1'), 16);
          if (!Number.isFinite(size)) {
            this.malformed = true;
            return;
          }
          if (size === 0) {
            this.final = { ...this.head, body: Buffer.concat(parts) };
            return;
          }
          if (this.buf.length < eol + 2 + size + 2) return;
          parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
          at = eol + 2 + size + 2;
        }
      }
      return; // until close
    }
  }
}

function sendRaw(spec: RawSpec, target: Target, hangMs: number): Promise<Answer> {
  const { hostname, port } = new URL(target.url);
  const head = Buffer.from(fill(spec.head, target), 'latin1');
  const body = spec.body ? Buffer.from(fill(spec.body, target), 'latin1') : null;
  const reader = new ResponseReader(/^HEAD /.test(spec.head));
  return new Promise((resolve) => {
    let done = false;
    let error: string | undefined;
    const socket = connect(Number(port), hostname);
    const finish = (timedOut = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      reader.end();
      const final = reader.final;
      if (final) resolve({ status: final.status, headers: final.headers, body: final.body });
      else
        resolve({
          status: null,
          headers: {},
          body: Buffer.alloc(0),
          error: timedOut ? 'no answer' : (error ?? (reader.malformed ? 'malformed answer' : 'connection closed without an answer')),
          timedOut,
        });
    };
    const timer = setTimeout(() => finish(true), hangMs);
    const sendBody = () => {
      if (done) return;
      if (body) socket.write(body);
      if (spec.halfClose) socket.end();
    };
    socket.on('connect', () => {
      socket.write(head);
      if (spec.waitContinue && body) {
        const waited = setTimeout(sendBody, 1_000);
        const check = () => {
          if (reader.continued || reader.final) {
            clearTimeout(waited);
            socket.off('data', check);
            if (!reader.final) sendBody();
          }
        };
        socket.on('data', check);
      } else sendBody();
    });
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      if (reader.final) finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = `${e.code ?? 'error'}: ${e.message}`;
      // The server may close while a large body is still being written: its answer may have arrived.
      finish();
    });
    socket.on('close', () => finish());
  });
}

function newAgent(connections: number, hangMs: number): Agent {
  return new Agent({ connections, headersTimeout: hangMs, bodyTimeout: hangMs, keepAliveTimeout: 5_000 });
}

// ---------------------------------------------------------------------------------------------
// Checking

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pathOf(c: FuzzCase): string | null {
  if (c.request.kind === 'http') return c.request.path.split('?')[0]!;
  const m = /^[A-Za-z]+ (\/[^ ?]*)/.exec(c.request.head);
  return m ? m[1]! : null;
}

function check(c: FuzzCase, answer: Answer, ms: number, opts: RunOptions): Outcome {
  const failures: string[] = [];
  const codes = new Set<string>();
  let note: string | undefined;
  if (answer.status === null) {
    note = answer.error;
    if (answer.unsent) note = `not sent (the client refused it): ${answer.error}`;
    else if (answer.timedOut) failures.push(`no answer within ${opts.hangMs} ms and the connection still open`);
    else if (c.expect === 'answer') failures.push(`no answer: ${answer.error ?? 'connection closed'}`);
  } else {
    if (answer.status >= 500) failures.push(`HTTP ${answer.status}`);
    if (ms > opts.boundMs) failures.push(`slow: ${Math.round(ms)} ms (bound ${opts.boundMs} ms)`);
    const type = answer.headers['content-type'] ?? '';
    if (/json/i.test(type) && answer.body.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body.toString('utf8'));
      } catch {
        failures.push(`a ${type} answer that is not JSON`);
        note = answer.body.subarray(0, 200).toString('utf8');
      }
      if (isRecord(parsed)) {
        const errors = parsed.errors;
        if (errors !== undefined) {
          if (!Array.isArray(errors) || errors.length === 0) failures.push(`"errors" is not a non-empty list: ${JSON.stringify(errors).slice(0, 200)}`);
          else
            for (const error of errors) {
              const code = isRecord(error) && isRecord(error.extensions) ? error.extensions.code : undefined;
              if (typeof code !== 'string') failures.push(`an error without extensions.code: ${JSON.stringify(error).slice(0, 300)}`);
              else {
                codes.add(code);
                if (!ERROR_CODES.has(code)) failures.push(`extensions.code outside the ErrorCode enum: ${code} (${String(isRecord(error) ? error.message : '').slice(0, 200)})`);
              }
            }
        } else if (pathOf(c) === '/graphql' && !('data' in parsed)) {
          failures.push(`a JSON answer from /graphql with neither "data" nor "errors": ${answer.body.subarray(0, 200).toString('utf8')}`);
        }
      }
    }
    if (answer.status >= 500) note = answer.body.subarray(0, 300).toString('utf8');
    const text = answer.body.toString('latin1') + JSON.stringify(answer.headers);
    for (const secret of opts.secrets ?? []) if (text.includes(secret.value)) failures.push(`the answer contains the ${secret.name}`);
  }
  const kept =
    opts.keepAnswers && answer.status !== null
      ? {
          answer: `HTTP ${answer.status}\n${Object.entries(answer.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')}\n\n${answer.body.subarray(0, 4_000).toString('utf8')}`,
        }
      : {};
  return { case: c, status: answer.status, ms, codes: [...codes].sort(), failures, ...(note !== undefined ? { note } : {}), ...kept };
}

// ---------------------------------------------------------------------------------------------
// The campaign

export async function runFuzz(target: Target, ctx: FuzzContext, opts: RunOptions): Promise<Summary> {
  const keep = opts.keepFailures ?? 200;
  const client: Client = { agent: newAgent(opts.concurrency * 2, opts.hangMs), connections: opts.concurrency * 2 };
  const summary: Summary = {
    seed: opts.seed,
    total: 0,
    ms: 0,
    byStatus: {},
    byCode: {},
    byFamily: {},
    byVariant: {},
    byStatusAndCodes: {},
    failures: [],
    failureCount: 0,
    internal: [],
    internalCount: 0,
    slowest: [],
    logProblems: {},
    health: { status: null, ok: false },
  };
  const scanLogs = () => {
    if (!opts.logs) return;
    for (const line of opts.logs) {
      if (!line.includes('"level":"error"')) continue;
      let key = line.slice(0, 200);
      try {
        const parsed = JSON.parse(line) as { msg?: string; error?: unknown };
        key = `${parsed.msg}: ${JSON.stringify(parsed.error ?? null).slice(0, 300)}`;
      } catch {
        // keep the raw prefix
      }
      summary.logProblems[key] = (summary.logProblems[key] ?? 0) + 1;
    }
    opts.logs.length = 0;
  };

  const started = performance.now();
  let next = 0;
  const record = (o: Outcome) => {
    summary.total++;
    const status = o.status === null ? (o.note?.startsWith('not sent') ? 'unsent' : 'no-answer') : String(o.status);
    summary.byStatus[status] = (summary.byStatus[status] ?? 0) + 1;
    for (const code of o.codes) summary.byCode[code] = (summary.byCode[code] ?? 0) + 1;
    const combo = `${status} ${o.codes.join('+') || '-'}`;
    summary.byStatusAndCodes[combo] = (summary.byStatusAndCodes[combo] ?? 0) + 1;
    const fam = (summary.byFamily[o.case.family] ??= {});
    fam[status] = (fam[status] ?? 0) + 1;
    const variant = (summary.byVariant[`${o.case.family}/${o.case.variant.split(/[:+]/)[0]}`] ??= {});
    variant[status] = (variant[status] ?? 0) + 1;
    if (o.failures.length > 0) {
      summary.failureCount++;
      if (summary.failures.length < keep) summary.failures.push(o);
    }
    if (o.codes.includes('INTERNAL_SERVER_ERROR')) {
      summary.internalCount++;
      if (summary.internal.length < keep) summary.internal.push(o);
    }
    if (summary.slowest.length < 10 || o.ms > summary.slowest[summary.slowest.length - 1]!.ms) {
      summary.slowest.push(o);
      summary.slowest.sort((a, b) => b.ms - a.ms);
      summary.slowest.length = Math.min(summary.slowest.length, 10);
    }
    if (summary.total % 200 === 0) scanLogs();
    opts.onOutcome?.(o, summary.total);
  };

  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.indices.length) {
        const index = opts.indices[next++]!;
        const c = generateCase(opts.seed, index, ctx);
        opts.watchdog?.started(index, `#${index} ${c.family}/${c.variant}: ${describeRequest(c, 400).replace(/\n/g, ' | ')}`);
        const t = performance.now();
        const sent = c.request.kind === 'http' ? sendHttp(c.request, target, client, opts.hangMs) : sendRaw(c.request, target, opts.hangMs);
        // A backstop in case the client library itself ignores its deadline.
        let backstop: NodeJS.Timeout | undefined;
        const answer = await Promise.race([
          sent,
          new Promise<Answer>((resolve) => {
            backstop = setTimeout(
              () => resolve({ status: null, headers: {}, body: Buffer.alloc(0), error: 'no answer (the client did not give up by itself)', timedOut: true }),
              opts.hangMs + 2_000,
            );
          }),
        ]);
        clearTimeout(backstop);
        if (answer.timedOut) {
          // Is the server still answering others? A fresh connection asks for /health.
          const t0 = performance.now();
          const probe = await sendRaw({ kind: 'raw', head: 'GET /health HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n' }, target, 2_000);
          answer.error = `${answer.error}; meanwhile /health on a new connection: ${probe.status ?? probe.error} in ${Math.round(performance.now() - t0)} ms`;
        }
        record(check(c, answer, performance.now() - t, { ...opts, secrets: target.secrets }));
        opts.watchdog?.finished(index);
      }
    }),
  );
  summary.ms = performance.now() - started;

  // After everything: the server still answers.
  const health = await sendHttp({ kind: 'http', method: 'GET', path: '/health', headers: {} }, target, client, opts.hangMs);
  summary.health = { status: health.status, ok: health.status === 200 };
  scanLogs();
  await client.agent.close();
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Reporting

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.floor(max * 0.7);
  const tail = Math.floor(max * 0.2);
  return `${text.slice(0, head)}…[${text.length - head - tail} more chars]…${text.slice(-tail)}`;
}

/** The request of a case as HTTP/1.1 text (token placeholders left as {{admin}}, {{reader}}, {{scoped}}). */
export function describeRequest(c: FuzzCase, max = 1_500): string {
  const r = c.request;
  if (r.kind === 'raw')
    return `raw bytes (latin1, JSON-escaped): ${clip(JSON.stringify(r.head + (r.body ?? '')), max)}${r.waitContinue ? ' [body sent after 100 Continue]' : ''}${r.halfClose ? ' [then half-close]' : ''}`;
  const lines = [`${r.method} ${clip(r.path, max)} HTTP/1.1`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${clip(v, 200)}`)];
  if (r.chunked) lines.push(`transfer-encoding: chunked (chunks of ${r.chunked} bytes)`);
  const body = r.body === undefined ? '' : `\n\n${clip(r.body, max)}${r.encoding === 'latin1' ? '\n[body bytes: latin1]' : ''}`;
  return lines.join('\n') + body + (r.body !== undefined && r.body.length > max ? `\n[${r.body.length} chars in all]` : '');
}

export function caseLabel(o: Outcome): string {
  return `#${o.case.index} ${o.case.family}/${o.case.variant} → ${o.status ?? o.note ?? 'no answer'} in ${Math.round(o.ms)} ms${o.codes.length ? ` [${o.codes.join(', ')}]` : ''}`;
}

/** One line for the test output. */
export function oneLine(s: Summary): string {
  const statuses = Object.entries(s.byStatus)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  const codes = Object.entries(s.byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  return `fuzz seed ${s.seed}: ${s.total} cases in ${(s.ms / 1000).toFixed(1)} s; status ${statuses}; codes ${codes}; failures ${s.failureCount}; internal errors ${s.internalCount}; slowest ${Math.round(s.slowest[0]?.ms ?? 0)} ms; /health ${s.health.status}`;
}
