// Operation Growth: CUIDs, user attributes, events and contact channels of the configured project.
// Everything the gateway can check is checked before the operation runs (BAD_USER_INPUT naming the item), then
// lists go out in chunks of 100 and every item's outcome is reported (src/growth/batch.ts).

import { BadUserInputError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type {
  MutationReportGrowthEventsArgs,
  MutationResolveGrowthUsersArgs,
  MutationResolvers,
  MutationSetGrowthUserAttributesArgs,
  MutationSetGrowthUserChannelsArgs,
  QueryGrowthUserArgs,
  QueryResolvers,
} from '../generated/graphql.js';
import { inChunks, summarize } from '../growth/batch.js';
import type { GrowthWireEvent, GrowthWireUserChannels } from '../growth/endpoints.js';
import { attributeWireValue, channelValues, checkCount, checkName, derivedRandomId, GROWTH_MAX_ATTRIBUTES, GROWTH_MAX_NAME_LENGTH, parseCuid } from '../growth/input.js';
import { type InputChecks, inputCheck } from '../plugins/input-first.js';

type CheckedEvents = { appKey: string; wire: GrowthWireEvent[] };

function checkUser({ identityName, value }: QueryGrowthUserArgs): void {
  checkName(identityName, 'identityName');
  checkName(value, 'value');
}

function checkValues({ identityName, values }: MutationResolveGrowthUsersArgs): void {
  checkName(identityName, 'identityName');
  checkCount(values, 'values');
  values.forEach((value, i) => {
    checkName(value, `values[${i}]`);
  });
}

/** The CUID and the attributes in wire form: names given once, one value each. */
function attributesOf({ cuid, attributes }: MutationSetGrowthUserAttributesArgs): { id: bigint; data: Record<string, string | number> } {
  const id = parseCuid(cuid, 'cuid');
  checkCount(attributes, 'attributes', GROWTH_MAX_ATTRIBUTES);
  const data: Record<string, string | number> = {};
  attributes.forEach((attribute, i) => {
    const name = checkName(attribute.name, `attributes[${i}].name`);
    if (Object.hasOwn(data, name)) throw new BadUserInputError(`\`attributes[${i}].name\` "${name.slice(0, 40)}" is given twice.`, `attributes[${i}].name`);
    data[name] = attributeWireValue(attribute.value, `attributes[${i}].value`);
  });
  return { id, data };
}

/** The events in wire form, each with its random id (given, or derived from its content). */
function eventsOf({ appKey, events }: MutationReportGrowthEventsArgs): CheckedEvents {
  checkName(appKey, 'appKey');
  checkCount(events, 'events');
  const wire = events.map((event, i) => {
    const at = `events[${i}]`;
    const cuid = parseCuid(event.cuid, `${at}.cuid`);
    const eventName = checkName(event.name, `${at}.name`, GROWTH_MAX_NAME_LENGTH);
    const itime = event.time.getTime();
    if (!(itime > 0)) throw new BadUserInputError(`\`${at}.time\` must be after 1970-01-01T00:00:00Z.`, `${at}.time`);
    const properties = event.properties ?? {};
    const randomId = event.randomId == null ? derivedRandomId(appKey, cuid, eventName, itime, properties) : checkName(event.randomId, `${at}.randomId`, GROWTH_MAX_NAME_LENGTH);
    return { cuid, eventName, itime, randomId, properties };
  });
  return { appKey, wire };
}

/** The users' contact channels in wire form. */
function channelsOf({ users }: MutationSetGrowthUserChannelsArgs): GrowthWireUserChannels[] {
  checkCount(users, 'users');
  return users.map((user, i) => {
    const at = `users[${i}]`;
    const cuid = parseCuid(user.cuid, `${at}.cuid`);
    if (user.channels.length === 0) throw new BadUserInputError(`\`${at}.channels\` must hold at least one channel.`, `${at}.channels`);
    const channels = user.channels.map((channel, j) => {
      if (channel.id <= 0) throw new BadUserInputError(`\`${at}.channels[${j}].id\` must be a positive channel id.`, `${at}.channels[${j}].id`);
      return { id: channel.id, channelValues: channelValues(channel.values, `${at}.channels[${j}].values`) };
    });
    return { cuid, channels };
  });
}

/** Checked before the operation runs (src/plugins/input-first.ts). */
export const inputChecks: InputChecks = {
  'Query.growthUser': inputCheck(checkUser),
  'Mutation.resolveGrowthUsers': inputCheck(checkValues),
  'Mutation.setGrowthUserAttributes': inputCheck(attributesOf),
  'Mutation.reportGrowthEvents': inputCheck(eventsOf),
  'Mutation.setGrowthUserChannels': inputCheck(channelsOf),
};

export const Query: QueryResolvers = {
  growthUser: async (_root, args, ctx, info) => {
    checkUser(args);
    ctx.requireService('growth');
    const cuid = ctx.served(info, await ctx.growth.user(args.identityName, args.value));
    return cuid === null ? null : { cuid };
  },
};

export const Mutation: MutationResolvers = {
  resolveGrowthUsers: async (_root, args, ctx) => {
    checkValues(args);
    ctx.requireService('growth');
    const { identityName, values } = args;
    const cuids: (string | null)[] = values.map(() => null);
    const outcomes = await inChunks(values, async (chunk, offset) => {
      const found = await ctx.growth.register(identityName, chunk);
      chunk.forEach((value, i) => {
        cuids[offset + i] = found.get(value) ?? null;
      });
    });
    logFailures(ctx, 'resolveGrowthUsers', outcomes);
    return summarize(outcomes, (index) => ({ value: values[index]!, cuid: cuids[index] ?? null }));
  },

  setGrowthUserAttributes: async (_root, args, ctx) => {
    const { id, data } = attributesOf(args);
    ctx.requireService('growth');
    await ctx.growth.setAttributes(id, data);
    return { cuid: String(id), names: Object.keys(data) };
  },

  reportGrowthEvents: async (_root, args, ctx) => {
    const { appKey, wire } = eventsOf(args);
    ctx.requireService('growth');
    const outcomes = await inChunks(wire, (chunk) => ctx.growth.reportEvents(appKey, chunk));
    logFailures(ctx, 'reportGrowthEvents', outcomes);
    return summarize(outcomes, (index) => ({ randomId: wire[index]!.randomId }));
  },

  setGrowthUserChannels: async (_root, args, ctx) => {
    const wire = channelsOf(args);
    ctx.requireService('growth');
    const outcomes = await inChunks(wire, (chunk) => ctx.growth.setChannels(chunk));
    logFailures(ctx, 'setGrowthUserChannels', outcomes);
    return summarize(outcomes, () => ({}));
  },
};

function logFailures(ctx: { logger: Logger }, operation: string, outcomes: ({ code: string } | null)[]): void {
  const failed = outcomes.filter((o) => o !== null);
  if (failed.length > 0) ctx.logger.warn('growth items failed', { operation, failed: failed.length, total: outcomes.length, codes: [...new Set(failed.map((o) => o.code))] });
}
