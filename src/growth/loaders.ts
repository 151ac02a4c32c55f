// Per-request batching for Operation Growth (never shared across requests): every `growthUser` of a
// request becomes one register call per identity name per 100 distinct values.
import DataLoader from 'dataloader';
import type { Credentials } from '../config.js';
import { GatewayError } from '../errors.js';
import type { CallContext } from '../jmlink/client.js';
import { GROWTH_MAX_ITEMS, type GrowthClient } from './client.js';

export interface GrowthLoaders {
  client: GrowthClient;
  /** The upstream call context of this request. */
  call: CallContext;
  /** The project credentials, or SERVICE_NOT_CONFIGURED before any upstream call. */
  credentials(): Credentials;
  /** The CUID (decimal string) of an identity value, or null when Jiguang returns none. */
  user(identityName: string, value: string): Promise<string | null>;
}

export function createGrowthLoaders(client: GrowthClient, configured: Credentials | null, call: CallContext): GrowthLoaders {
  const credentials = (): Credentials => {
    if (!configured) {
      throw new GatewayError('SERVICE_NOT_CONFIGURED', 'Operation Growth needs the project credentials: set JIGUANG_GROWTH_PROJECT_ID and JIGUANG_GROWTH_PROJECT_SECRET.');
    }
    return configured;
  };
  const users = new DataLoader<string, string | null>(async (keys) => {
    const byName = new Map<string, string[]>();
    for (const key of keys) {
      const [name, value] = splitKey(key);
      let values = byName.get(name);
      if (!values) byName.set(name, (values = []));
      values.push(value);
    }
    const found = new Map<string, string | null | Error>();
    await Promise.all(
      [...byName].map(async ([name, values]) => {
        for (let offset = 0; offset < values.length; offset += GROWTH_MAX_ITEMS) {
          const chunk = values.slice(offset, offset + GROWTH_MAX_ITEMS);
          try {
            const cuids = await client.register(credentials(), name, chunk, call);
            for (const value of chunk) found.set(joinKey(name, value), cuids.get(value) ?? null);
          } catch (error) {
            for (const value of chunk) found.set(joinKey(name, value), error as Error);
          }
        }
      }),
    );
    return keys.map((key) => found.get(key) ?? null);
  });
  return { client, call, credentials, user: (identityName, value) => users.load(joinKey(identityName, value)) };
}

const joinKey = (name: string, value: string) => `${name}\u0000${value}`;
function splitKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
