import { guildAccess, guildChannels } from '@gochat/channel-access';
import { notFound } from '@gochat/errors';
import { channelPermissions, has, isTimedOut, PERMISSIONS } from '@gochat/permissions';

import type { Resolvers } from '../generated/resolvers.ts';
import type { VoiceRegionRow, VoiceStateRow } from '../store/rows.ts';
import { stateOf, statesInChannel, statesInChannels } from '../store/states.ts';
import { callAccess } from './access.ts';
import { callerId, type VoiceContext } from './context.ts';
import { snowflakeArg } from './ids.ts';

function voiceRegions(ctx: VoiceContext): VoiceRegionRow[] {
  callerId(ctx);
  const counts = new Map<string, number>();
  for (const node of ctx.directory.nodes()) counts.set(node.region, (counts.get(node.region) ?? 0) + 1);
  const fallback = ctx.settings.defaultRegion;
  return ctx.directory.regions().map((id) => ({ id, nodes: counts.get(id) ?? 0, default: id === fallback }));
}

/** The calls in the guild's voice channels the caller can view. Members only. */
async function voiceStates(ctx: VoiceContext, guildIdArg: string): Promise<VoiceStateRow[]> {
  const me = callerId(ctx);
  const guildId = snowflakeArg(guildIdArg, 'guildId');
  const guild = await guildAccess(ctx.db, guildId, me);
  if (!guild?.member) throw notFound('Guild');
  const member = {
    userId: me,
    guildId,
    ownerId: guild.ownerId,
    everyone: guild.everyone,
    roles: guild.roles,
    timedOut: isTimedOut(guild.member.timeoutUntil),
  };
  const visible = (await guildChannels(ctx.db, guildId))
    .filter(
      (c) => c.kind === 'voice' && has(channelPermissions(member, c.overwrites), PERMISSIONS.VIEW_CHANNEL),
    )
    .map((c) => c.id);
  return statesInChannels(ctx.db, visible);
}

async function channelVoiceStates(ctx: VoiceContext, channelIdArg: string): Promise<VoiceStateRow[]> {
  const me = callerId(ctx);
  const channelId = snowflakeArg(channelIdArg, 'channelId');
  await callAccess(ctx, channelId, me);
  return statesInChannel(ctx.db, channelId);
}

export const queryResolvers: Resolvers = {
  Query: {
    voiceRegions: (_, _args, ctx) => voiceRegions(ctx),
    voiceStates: (_, args, ctx) => voiceStates(ctx, args.guildId),
    channelVoiceStates: (_, args, ctx) => channelVoiceStates(ctx, args.channelId),
    myVoiceState: async (_, _args, ctx) => (await stateOf(ctx.db, callerId(ctx))) ?? null,
  },
  VoiceState: {
    user: (s) => ({ id: s.userId }),
    channel: (s) => ({ id: s.channelId }),
    guild: (s) => (s.guildId === null ? null : { id: s.guildId }),
    connected: (s) => s.connectedAt !== null,
  },
  VoiceModeration: {
    user: (m) => ({ id: m.userId }),
    guild: (m) => ({ id: m.guildId }),
  },
};
