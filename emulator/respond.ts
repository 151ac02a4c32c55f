// One shape for every answer the emulator gives (status, headers, body bytes), with helpers for the
// JSON and plain-text answers, so handlers stay pure and the server writes replies in one place.
import { stringifyExact } from './exactJson.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_TYPE = 'application/json;charset=utf-8';
export const TEXT_TYPE = 'text/plain;charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** A JSON answer that may hold bigint values (Java longs), written exactly. */
export function jsonExact(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: stringifyExact(body) };
}

export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': TEXT_TYPE, ...headers }, body };
}
