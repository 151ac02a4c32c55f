// Small HTTP helpers shared by the emulator's tests.
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Emulator, type EmulatorApp, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';

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

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const r = await request(url, { method: (init.method ?? 'GET') as any, headers: init.headers, body: init.body });
  const text = await r.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: r.headers, text, json };
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
