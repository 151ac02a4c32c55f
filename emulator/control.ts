// HTTP control endpoints under /__emulator/ for standalone use (faults and the call log from outside
// the process); they are never recorded as calls, ignore faults and latency.
import { type CallLog, callMatcher } from './calls.js';
import type { AppStore } from './data.js';
import { type FaultRegistry, validateFault } from './faults.js';
import { json, jsonExact, type Reply } from './respond.js';
import { type CallFilter, type Fault, SERVICE_NAMES, type ServiceName } from './types.js';

export interface ControlState {
  faults: FaultRegistry;
  log: CallLog;
  store: AppStore;
}

/**
 * A call filter from query parameters: service, pathPattern, appKey, method, and status as `answered`
 * or comma-separated statuses (`200`, `200,403`). Returns the problem as a string when invalid.
 */
export function filterFromQuery(q: URLSearchParams): CallFilter | string {
  const filter: CallFilter = {};
  const service = q.get('service');
  if (service !== null) {
    if (!(SERVICE_NAMES as readonly string[]).includes(service)) return `service must be one of ${SERVICE_NAMES.join(', ')}`;
    filter.service = service as ServiceName;
  }
  const pathPattern = q.get('pathPattern');
  if (pathPattern !== null) filter.pathPattern = pathPattern;
  const appKey = q.get('appKey');
  if (appKey !== null) filter.appKey = appKey;
  const method = q.get('method');
  if (method !== null) filter.method = method;
  const status = q.get('status');
  if (status !== null) {
    if (status === 'answered') filter.status = 'answered';
    else if (/^\d{1,3}(,\d{1,3})*$/.test(status)) filter.status = status.split(',').map(Number);
    else return "status must be 'answered' or comma-separated HTTP statuses";
  }
  try {
    callMatcher(filter);
  } catch {
    return 'pathPattern is not a valid regex';
  }
  return filter;
}

/**
 * POST /__emulator/faults (JSON Fault -> {id}), DELETE /__emulator/faults (all),
 * DELETE /__emulator/faults/{id}, GET /__emulator/calls?<filter> ({calls}), DELETE /__emulator/calls,
 * GET /__emulator/calls/max-per-window?windowMs=N&<filter> ({windowMs, max}), GET /__emulator/apps ({apps}).
 */
export function handleControl(method: string, path: string, query: URLSearchParams, body: string, state: ControlState): Reply {
  if (path === '/__emulator/faults' && method === 'POST') {
    let fault: unknown;
    try {
      fault = JSON.parse(body);
    } catch {
      return json(400, { error: 'body must be a JSON Fault' });
    }
    const problem = validateFault(fault);
    if (problem) return json(400, { error: `invalid fault: ${problem}` });
    return json(200, { id: state.faults.add(fault as Fault) });
  }
  if (path === '/__emulator/faults' && method === 'DELETE') {
    state.faults.clear();
    return json(200, { ok: true });
  }
  const one = /^\/__emulator\/faults\/(\d+)$/.exec(path);
  if (one && method === 'DELETE') return json(200, { ok: state.faults.remove(Number(one[1])) });
  if ((path === '/__emulator/calls' || path === '/__emulator/calls/max-per-window') && method === 'GET') {
    const filter = filterFromQuery(query);
    if (typeof filter === 'string') return json(400, { error: filter });
    if (path === '/__emulator/calls') return jsonExact(200, { calls: state.log.matching(filter) }); // bodies may hold bigint CUIDs
    const windowMs = Number(query.get('windowMs'));
    if (!/^\d+$/.test(query.get('windowMs') ?? '') || !Number.isSafeInteger(windowMs) || windowMs < 1) return json(400, { error: 'windowMs must be a positive integer' });
    return json(200, { windowMs, max: state.log.maxPerWindow(filter, windowMs) });
  }
  if (path === '/__emulator/calls' && method === 'DELETE') {
    state.log.reset();
    return json(200, { ok: true });
  }
  if (path === '/__emulator/apps' && method === 'GET') return json(200, { apps: state.store.apps });
  const known = ['/__emulator/faults', '/__emulator/calls', '/__emulator/calls/max-per-window', '/__emulator/apps'];
  if (known.includes(path) || one) return json(405, { error: `method ${method} not supported on ${path}` });
  return json(404, { error: 'unknown emulator control endpoint' });
}
