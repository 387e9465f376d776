import { permissionsIn } from '@gochat/channel-access';
import { forbidden, notFound, validation } from '@gochat/errors';
import { has, PERMISSIONS } from '@gochat/permissions';

import { voiceChannelFacts, type VoiceChannelFacts } from '../store/channels.ts';
import type { VoiceContext } from './context.ts';

export interface CallAccess {
  channel: VoiceChannelFacts;
  /** The user's permissions in the channel (DM participants: the DM set). */
  permissions: bigint;
}

/**
 * The call of `channelId` as `userId` may see it: a voice channel they can view, or a DM or group DM
 * they take part in (not blocked). NOT_FOUND hides what they cannot view.
 */
export async function callAccess(ctx: VoiceContext, channelId: string, userId: string): Promise<CallAccess> {
  const facts = await ctx.access.channelAccess(channelId, userId);
  if (!facts || facts.thread) throw notFound('Voice channel');
  const permissions = permissionsIn(facts, userId);
  if (!has(permissions, PERMISSIONS.VIEW_CHANNEL)) throw notFound('Voice channel');
  if (facts.kind !== 'voice' && facts.kind !== 'dm' && facts.kind !== 'group_dm')
    throw validation('This channel has no voice call.', 'channelId');
  if (facts.guildId === null) {
    if (!ctx.settings.directCalls) throw forbidden('Calls in direct messages are turned off on this server.');
    if (facts.blocked) throw forbidden('You cannot call this user.');
  }
  const channel = await voiceChannelFacts(ctx.db, channelId);
  if (!channel) throw notFound('Voice channel');
  return { channel, permissions };
}
