// HTTP control endpoints under /__emulator/ for standalone use (faults and the call log from outside
// the process); they are never recorded as calls and ignore faults.
import type { CallLog } from './calls.js';
import type { AppStore } from './data.js';
import { validateFault, type FaultRegistry } from './faults.js';
import { json, type Reply } from './respond.js';
import type { Fault } from './types.js';

export interface ControlState {
  faults: FaultRegistry;
  log: CallLog;
  store: AppStore;
}

/**
 * POST /__emulator/faults (JSON Fault -> {id}), DELETE /__emulator/faults (all),
 * DELETE /__emulator/faults/{id}, GET /__emulator/calls ({calls}), DELETE /__emulator/calls,
 * GET /__emulator/apps ({apps}).
 */
export function handleControl(method: string, path: string, body: string, state: ControlState): Reply {
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
  if (path === '/__emulator/calls' && method === 'GET') return json(200, { calls: state.log.calls });
  if (path === '/__emulator/calls' && method === 'DELETE') {
    state.log.reset();
    return json(200, { ok: true });
  }
  if (path === '/__emulator/apps' && method === 'GET') return json(200, { apps: state.store.apps });
  if (path === '/__emulator/faults' || path === '/__emulator/calls' || path === '/__emulator/apps' || one) {
    return json(405, { error: `method ${method} not supported on ${path}` });
  }
  return json(404, { error: 'unknown emulator control endpoint' });
}
