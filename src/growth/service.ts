// Operation Growth for one request: batched identity lookups and the four writes, through the pipeline.
import type { CallContext } from '../http/call.js';
import type { Served, Upstream } from '../http/upstream.js';
import { type GrowthWireEvent, type GrowthWireUserChannels, registerUsers, reportEvents, setAttributes, setChannels } from './endpoints.js';
import { createGrowthUserLoader } from './loaders.js';

export interface GrowthService {
  /** The CUID of an identity value (batched and cached), null when Jiguang returns none. */
  user(identityName: string, value: string): Promise<Served<string | null>>;
  /** Registers at most 100 values now (a mutation: never from the cache). */
  register(identityName: string, values: string[]): Promise<Map<string, string>>;
  setAttributes(cuid: bigint, data: Record<string, string | number>): Promise<void>;
  reportEvents(appKey: string, events: GrowthWireEvent[]): Promise<void>;
  setChannels(users: GrowthWireUserChannels[]): Promise<void>;
}

export function createGrowth(upstream: Upstream, call: CallContext): GrowthService {
  let user: ReturnType<typeof createGrowthUserLoader> | undefined;
  return {
    user: (identityName, value) => (user ??= createGrowthUserLoader(upstream, call))(identityName, value),
    register: (identityName, values) => upstream.fetch(registerUsers, { identityName, identityValues: values }, call, null),
    setAttributes: async (cuid, data) => {
      await upstream.request(setAttributes, { cuid, data }, call);
    },
    reportEvents: async (appKey, events) => {
      await upstream.request(reportEvents, { appKey, events }, call);
    },
    setChannels: async (users) => {
      await upstream.request(setChannels, { users }, call);
    },
  };
}
