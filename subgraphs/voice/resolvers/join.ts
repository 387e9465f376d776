import { DomainError, notFound } from '@gochat/errors';
import type { NewEvent } from '@gochat/events';
import { appendToOutbox } from '@gochat/outbox';
import { has, PERMISSIONS, requirePermissions } from '@gochat/permissions';
import type { VoiceGrant } from '@gochat/voice-token';

import { placeRoom, releaseIfEmpty, releaseLeftRoom } from '../rooms.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { nodeCommand, voiceStateUpdated, voiceTransitionEvents } from '../events.ts';
import type { VoiceChannelFacts } from '../store/channels.ts';
import type { VoiceConnectionRow, VoiceModerationRow, VoiceStateRow } from '../store/rows.ts';
import {
  deleteState,
  lockChannel,
  moderationOf,
  othersInChannel,
  stateOf,
  writeJoin,
  writeSelf,
  type SelfPatch,
} from '../store/states.ts';
import { callAccess } from './access.ts';
import { callerId, type VoiceContext } from './context.ts';
import { snowflakeArg } from './ids.ts';

const NOT_MODERATED = { serverMute: false, serverDeaf: false };

/** What the SFU enforces for this user in this call (carried in the voice token). */
export function rightsOf(
  permissions: bigint,
  channel: VoiceChannelFacts,
  moderation: Pick<VoiceModerationRow, 'serverMute' | 'serverDeaf'>,
): VoiceGrant['rights'] {
  return {
    speak: has(permissions, PERMISSIONS.SPEAK),
    stream: has(permissions, PERMISSIONS.STREAM),
    serverMute: moderation.serverMute,
    serverDeaf: moderation.serverDeaf,
    bitrate: channel.bitrate,
    userLimit: channel.userLimit,
    bypassUserLimit: has(permissions, PERMISSIONS.MOVE_MEMBERS),
  };
}

async function joinVoice(
  ctx: VoiceContext,
  args: { channelId: string; selfMute?: boolean | null; selfDeaf?: boolean | null },
): Promise<VoiceConnectionRow> {
  const me = callerId(ctx);
  const channelId = snowflakeArg(args.channelId, 'channelId');
  const { channel, permissions } = await callAccess(ctx, channelId, me);
  requirePermissions(permissions, 'CONNECT');
  const moderation = channel.guildId ? await moderationOf(ctx.db, channel.guildId, me) : NOT_MODERATED;
  const rights = rightsOf(permissions, channel, moderation);
  const connection = await ctx.db.transaction(async (tx) => {
    await lockChannel(tx, channelId);
    const before = await stateOf(tx, me, true);
    const rejoining = before?.channelId === channelId;
    if (!rejoining && channel.userLimit > 0 && !rights.bypassUserLimit)
      if ((await othersInChannel(tx, channelId, me)) >= channel.userLimit)
        throw new DomainError('LIMIT_REACHED', 'This voice channel is full.');
    const node = await placeRoom(ctx.directory, channel);
    const signed = await ctx.tokens.sign({
      userId: me,
      channelId,
      guildId: channel.guildId,
      nodeId: node.id,
      rights,
    });
    const now = await writeJoin(tx, {
      userId: me,
      guildId: channel.guildId,
      channelId,
      nodeId: node.id,
      sessionId: signed.tokenId,
      selfMute: args.selfMute ?? false,
      selfDeaf: args.selfDeaf ?? false,
    });
    const events: NewEvent[] = voiceTransitionEvents('join', { before, now });
    // The old call's peer goes; a rejoin on the same node replaces its peer there by itself.
    if (before && (!rejoining || before.nodeId !== node.id))
      events.push(
        nodeCommand({
          command: 'disconnect',
          nodeId: before.nodeId,
          channelId: before.channelId,
          userId: me,
          reason: 'switched',
        }),
      );
    await appendToOutbox(tx, events);
    const left = before && !rejoining ? before : undefined;
    return { state: now, endpoint: node.url, nodeId: node.id, region: node.region, left, ...signed };
  });
  ctx.kick();
  const { state, endpoint, nodeId, region, token, expiresAt, left } = connection;
  if (left) await releaseLeftRoom(ctx.db, ctx.directory, left);
  return { state, endpoint, nodeId, region, token, expiresAt };
}

async function leaveVoice(ctx: VoiceContext): Promise<boolean> {
  const me = callerId(ctx);
  const current = await stateOf(ctx.db, me);
  if (!current) return false;
  const left = await ctx.db.transaction(async (tx) => {
    await lockChannel(tx, current.channelId);
    const state = await deleteState(tx, me);
    if (!state) return undefined;
    await appendToOutbox(tx, [
      voiceStateUpdated('leave', { before: state }),
      nodeCommand({
        command: 'disconnect',
        nodeId: state.nodeId,
        channelId: state.channelId,
        userId: me,
        reason: 'left',
      }),
    ]);
    await releaseIfEmpty(ctx.directory, tx, state);
    return state;
  });
  ctx.kick();
  return left !== undefined;
}

async function updateVoiceState(ctx: VoiceContext, patch: SelfPatch): Promise<VoiceStateRow> {
  const me = callerId(ctx);
  const current = await stateOf(ctx.db, me);
  if (!current) throw notFound('Your voice call');
  if (patch.selfVideo || patch.selfStream) {
    const { permissions } = await callAccess(ctx, current.channelId, me);
    requirePermissions(permissions, 'STREAM');
  }
  const now = await ctx.db.transaction(async (tx) => {
    const before = await stateOf(tx, me, true);
    if (!before || before.sessionId !== current.sessionId) throw notFound('Your voice call');
    const now = await writeSelf(tx, me, patch);
    await appendToOutbox(tx, [voiceStateUpdated('update', { before, now })]);
    return now;
  });
  ctx.kick();
  return now;
}

/** Drops undefined and null (GraphQL's "left out") from optional booleans. */
const given = (value: boolean | null | undefined) => value ?? undefined;

export const joinResolvers: Resolvers = {
  Mutation: {
    joinVoice: (_, args, ctx) => joinVoice(ctx, args),
    leaveVoice: (_, _args, ctx) => leaveVoice(ctx),
    updateVoiceState: (_, args, ctx) =>
      updateVoiceState(ctx, {
        selfMute: given(args.selfMute),
        selfDeaf: given(args.selfDeaf),
        selfVideo: given(args.selfVideo),
        selfStream: given(args.selfStream),
      }),
  },
};
