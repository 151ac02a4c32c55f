// Injected failures (HTTP errors, business codes, hangs, resets, broken bodies, delays) so the gateway's
// error handling can be tested against an upstream that misbehaves on demand.
import { type Fault, SERVICE_NAMES, type ServiceName } from './types.js';

const KINDS = new Set(['status', 'business', 'timeout', 'reset', 'malformed', 'empty']);

interface ActiveFault {
  id: number;
  fault: Fault;
  pattern: RegExp | null;
  remaining: number;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  /** Adds a fault; throws on an invalid one. Returns its id. */
  add(fault: Fault): number {
    const problem = validateFault(fault);
    if (problem) throw new Error(`invalid fault: ${problem}`);
    const id = this.nextId++;
    this.faults.push({
      id,
      fault: { ...fault },
      pattern: fault.pathPattern !== undefined ? new RegExp(fault.pathPattern) : null,
      remaining: fault.times ?? Infinity,
    });
    return id;
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The first (oldest) fault matching this request, consuming one of its `times`. */
  take(service: ServiceName, path: string): Fault | undefined {
    const hit = this.faults.find((f) => (f.fault.service === undefined || f.fault.service === service) && (f.pattern === null || f.pattern.test(path)));
    if (!hit) return undefined;
    hit.remaining--;
    if (hit.remaining <= 0) this.remove(hit.id);
    return hit.fault;
  }
}

export function validateFault(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const f = value as Record<string, unknown>;
  if (f.service !== undefined && !(SERVICE_NAMES as readonly unknown[]).includes(f.service)) return 'service';
  if (f.pathPattern !== undefined) {
    if (typeof f.pathPattern !== 'string') return 'pathPattern';
    try {
      new RegExp(f.pathPattern);
    } catch {
      return 'pathPattern is not a valid regex';
    }
  }
  if (f.times !== undefined && (typeof f.times !== 'number' || !(f.times >= 1) || !(Number.isInteger(f.times) || f.times === Infinity))) {
    return 'times must be an integer >= 1';
  }
  if (f.delayMs !== undefined && (typeof f.delayMs !== 'number' || !(f.delayMs >= 0) || !Number.isFinite(f.delayMs))) return 'delayMs';
  if (f.kind !== undefined && (typeof f.kind !== 'string' || !KINDS.has(f.kind))) return 'kind';
  if (f.status !== undefined && (typeof f.status !== 'number' || !Number.isInteger(f.status) || f.status < 100 || f.status > 599)) return 'status';
  if (f.kind === 'status' && f.status === undefined) return "kind 'status' needs a status";
  if (f.code !== undefined && typeof f.code !== 'number' && typeof f.code !== 'string') return 'code';
  if (f.kind === 'business' && f.code === undefined) return "kind 'business' needs a code";
  if (f.resetSeconds !== undefined) {
    if (typeof f.resetSeconds !== 'number' || !Number.isSafeInteger(f.resetSeconds) || f.resetSeconds < 0) return 'resetSeconds must be an integer >= 0';
    if (f.kind !== 'business' && f.kind !== 'status') return "resetSeconds needs kind 'business' or 'status'";
  }
  if (f.limit !== undefined) {
    if (typeof f.limit !== 'number' || !Number.isSafeInteger(f.limit) || f.limit < 1) return 'limit must be an integer >= 1';
    if (f.resetSeconds === undefined) return 'limit needs resetSeconds';
  }
  return null;
}
