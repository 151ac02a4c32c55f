// Small HTTP helpers shared by the emulator's tests.
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { EmulatorLink } from '../../emulator/data.js';
import { type Emulator, type EmulatorApp, type EmulatorOptions, type RecordedCall, startEmulator } from '../../emulator/index.js';
import type { dayCounts } from '../../emulator/jmlink.js';

export function basic(app: Pick<EmulatorApp, 'appKey' | 'masterSecret'>): string {
  return `Basic ${Buffer.from(`${app.appKey}:${app.masterSecret}`).toString('base64')}`;
}

/** A Basic header for any user:password pair (developer accounts, Growth projects). */
export function basicPair(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Jiguang's calendar day (UTC+8) of an instant, `days` later, as yyyy-MM-dd. */
export function jiguangDate(ms: number = Date.now(), days = 0): string {
  return new Date(ms + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from one yyyy-MM-dd to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

export interface Answer<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /**
   * The body parsed as JSON, undefined when it is not JSON. `T` is the answer the caller expects of
   * the service (one of the wire shapes below); nothing checks it, as with any parsed body.
   */
  json: T;
}

/** A request to the emulator; `T` is the JSON answer the test expects (see `Answer.json`). */
export async function call<T = unknown>(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer<T>> {
  const r = await request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
  const text = await r.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: r.headers, text, json: json as T };
}

// The wire shapes the emulator answers, as Jiguang documents them.

/** A JMLink or JPush Admin error. */
export interface ErrorAnswer {
  error: { code: number; message: string };
}

/** JMLink `GET /v1/links`: a page of the app's links. */
export interface LinkPage {
  total: number;
  records: EmulatorLink[];
}

/** One day of JMLink `GET /v1/links/{key}/stat`. */
export type StatDay = { iday: string } & ReturnType<typeof dayCounts>;

/** JMLink `GET /v1/links/{key}/stat`. */
export interface StatAnswer {
  data: StatDay[];
}

/** JPortrait `POST /iaudience/open`: tag code → score as a decimal string; null data when there is none. */
export interface PortraitAnswer {
  code: string;
  message: string;
  requestId: string;
  data: Record<string, string> | null;
}

/** JPush Admin `POST /v1/app`. */
export interface CreatedApp {
  app_key: string;
  android_package: string;
  is_new_created: boolean;
  master_secret: string;
}

/** JVerification Admin: a code (and its text when it is an error), or a review status. */
export interface VerificationAnswer {
  code?: number;
  content?: string;
  status?: string;
}

/** Operation Growth: every answer is this envelope. */
export interface GrowthAnswer<T = unknown> {
  code: number;
  msg: string;
  data: T | null;
}

/** Control API `GET /__emulator/calls`. */
export interface CallList {
  calls: RecordedCall[];
}

/** Control API: a refused request. */
export interface ControlError {
  error: string;
}

export function portraitBody(body: unknown): { method: string; headers: Record<string, string>; body: string } {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * Starts one emulator for the test file (fresh call log and no faults before each test) and returns
 * a stand-in that forwards to it, so tests can write `e.url` at the top level of the file.
 */
export function useEmulator(options?: EmulatorOptions): Emulator {
  let current: Emulator | undefined;
  beforeAll(async () => {
    current = await startEmulator(options);
  });
  afterAll(() => current?.close());
  beforeEach(() => {
    current!.resetCalls();
    current!.clearFaults();
  });
  return new Proxy({} as Emulator, {
    get: (_target, property) => {
      const value = Reflect.get(current!, property);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}
