import { randomUUID } from 'node:crypto';

import { guildAccess, permissionsIn, permissionsInGuild } from '@gochat/channel-access';
import { forbidden, notFound, validation } from '@gochat/errors';
import { appendToOutbox } from '@gochat/outbox';
import { has, PERMISSIONS, requirePermissions, type PermissionName } from '@gochat/permissions';

import type { Resolvers } from '../generated/resolvers.ts';
import { nodeCommand, voiceStateUpdated } from '../events.ts';
import { placeRoom, releaseIfEmpty, releaseLeftRoom } from '../rooms.ts';
import { recordVoiceAudit } from '../store/audit.ts';
import type { VoiceModerationRow, VoiceStateRow } from '../store/rows.ts';
import {
  deleteState,
  lockChannel,
  moderationOf,
  stateOf,
  writeModeration,
  writeMove,
} from '../store/states.ts';
import { callAccess } from './access.ts';
import { callerId, type VoiceContext } from './context.ts';
import { reasonArg, snowflakeArg } from './ids.ts';

/** A user id argument: better-auth ids are short opaque strings. */
function userArg(value: string): string {
  if (value.length < 1 || value.length > 100) throw validation('userId is not a valid id.', 'userId');
  return value;
}

/** The moderator's guild permissions after checking they hold `required`; the target must be a member. */
async function moderator(
  ctx: VoiceContext,
  guildId: string,
  targetId: string,
  ...required: PermissionName[]
): Promise<string> {
  const me = callerId(ctx);
  const mine = await guildAccess(ctx.db, guildId, me);
  if (!mine?.member) throw notFound('Guild');
  requirePermissions(permissionsInGuild(mine, me), ...required);
  const theirs = await guildAccess(ctx.db, guildId, targetId);
  if (!theirs?.member) throw notFound('Member');
  return me;
}

/** The moderator's permissions in a channel, and whether they can see it at all. */
async function permissionsThere(ctx: VoiceContext, channelId: string, me: string) {
  const facts = await ctx.access.channelAccess(channelId, me);
  const bits = facts ? permissionsIn(facts, me) : 0n;
  return { bits, visible: has(bits, PERMISSIONS.VIEW_CHANNEL) };
}

/**
 * The target's call in this guild as the moderator may act on it: in a channel the moderator can
 * see (else it is not there for them, as in Discord, and nothing tells them it exists), where their
 * permissions, overwrites included, hold `required`.
 */
async function callInGuild(
  ctx: VoiceContext,
  guildId: string,
  userId: string,
  me: string,
  ...required: PermissionName[]
) {
  const state = await stateOf(ctx.db, userId);
  if (state?.guildId !== guildId) return undefined;
  const { bits, visible } = await permissionsThere(ctx, state.channelId, me);
  if (!visible) return undefined;
  requirePermissions(bits, ...required);
  return state;
}

async function moderateVoice(
  ctx: VoiceContext,
  args: {
    guildId: string;
    userId: string;
    serverMute?: boolean | null;
    serverDeaf?: boolean | null;
    reason?: string | null;
  },
): Promise<VoiceModerationRow> {
  const guildId = snowflakeArg(args.guildId, 'guildId');
  const userId = userArg(args.userId);
  const reason = reasonArg(args.reason);
  const patch = { serverMute: args.serverMute ?? undefined, serverDeaf: args.serverDeaf ?? undefined };
  const required: PermissionName[] = [];
  if (patch.serverMute !== undefined) required.push('MUTE_MEMBERS');
  if (patch.serverDeaf !== undefined) required.push('DEAFEN_MEMBERS');
  if (required.length === 0) throw validation('Give serverMute, serverDeaf or both.');
  const me = await moderator(ctx, guildId, userId, ...required);
  const live = await stateOf(ctx.db, userId);
  if (live?.guildId === guildId) {
    // A mute applies at once to the call they are in: the moderator must hold it there too.
    const { bits, visible } = await permissionsThere(ctx, live.channelId, me);
    if (!visible) throw forbidden('You cannot moderate them in the call they are in.');
    requirePermissions(bits, ...required);
  }
  const result = await ctx.db.transaction(async (tx) => {
    const before = await moderationOf(tx, guildId, userId);
    const after = await writeModeration(tx, guildId, userId, patch);
    const changes = (['serverMute', 'serverDeaf'] as const)
      .filter((key) => before[key] !== after[key])
      .map((key) => ({ key, before: before[key], after: after[key] }));
    if (changes.length === 0) return after;
    await recordVoiceAudit(tx, ctx.ids, {
      guildId,
      actorId: me,
      action: 'MEMBER_VOICE_UPDATE',
      targetUserId: userId,
      changes,
      reason,
    });
    const now = await stateOf(tx, userId, true);
    if (now?.guildId === guildId) {
      const was: VoiceStateRow = { ...now, serverMute: before.serverMute, serverDeaf: before.serverDeaf };
      await appendToOutbox(tx, [
        voiceStateUpdated('moderate', { before: was, now, actorId: me }),
        nodeCommand({
          command: 'moderate',
          nodeId: now.nodeId,
          channelId: now.channelId,
          userId,
          serverMute: after.serverMute,
          serverDeaf: after.serverDeaf,
        }),
      ]);
    }
    return after;
  });
  ctx.kick();
  return result;
}

async function moveVoiceMember(
  ctx: VoiceContext,
  args: { guildId: string; userId: string; channelId: string; reason?: string | null },
): Promise<VoiceStateRow> {
  const guildId = snowflakeArg(args.guildId, 'guildId');
  const userId = userArg(args.userId);
  const targetId = snowflakeArg(args.channelId, 'channelId');
  const reason = reasonArg(args.reason);
  const me = await moderator(ctx, guildId, userId, 'MOVE_MEMBERS');
  const current = await callInGuild(ctx, guildId, userId, me, 'MOVE_MEMBERS');
  if (!current) throw notFound('Their voice call in this guild');
  // Both must be able to connect to the target, which must be a voice channel of this guild.
  const mine = await callAccess(ctx, targetId, me);
  if (mine.channel.guildId !== guildId) throw notFound('Voice channel');
  requirePermissions(mine.permissions, 'CONNECT', 'MOVE_MEMBERS');
  const theirs = await callAccess(ctx, targetId, userId);
  if (!has(theirs.permissions, PERMISSIONS.CONNECT)) throw forbidden('They cannot connect to that channel.');
  if (current.channelId === targetId) return current;
  const moved = await ctx.db.transaction(async (tx) => {
    await lockChannel(tx, targetId);
    const before = await stateOf(tx, userId, true);
    if (!before || before.sessionId !== current.sessionId) throw notFound('Their voice call in this guild');
    const node = await placeRoom(ctx.directory, mine.channel);
    // A fresh session: the moved client joins the target (joinVoice), which the SFU then confirms.
    const now = await writeMove(tx, userId, {
      channelId: targetId,
      nodeId: node.id,
      sessionId: randomUUID(),
    });
    await recordVoiceAudit(tx, ctx.ids, {
      guildId,
      actorId: me,
      action: 'MEMBER_VOICE_MOVE',
      targetUserId: userId,
      changes: [{ key: 'channelId', before: before.channelId, after: targetId }],
      reason,
    });
    await appendToOutbox(tx, [
      voiceStateUpdated('move', { before, now, actorId: me }),
      nodeCommand({
        command: 'move',
        nodeId: before.nodeId,
        channelId: before.channelId,
        userId,
        targetChannelId: targetId,
      }),
    ]);
    return { before, now };
  });
  await releaseLeftRoom(ctx.db, ctx.directory, moved.before);
  ctx.kick();
  return moved.now;
}

async function disconnectVoiceMember(
  ctx: VoiceContext,
  args: { guildId: string; userId: string; reason?: string | null },
): Promise<boolean> {
  const guildId = snowflakeArg(args.guildId, 'guildId');
  const userId = userArg(args.userId);
  const reason = reasonArg(args.reason);
  const me = await moderator(ctx, guildId, userId, 'MOVE_MEMBERS');
  const current = await callInGuild(ctx, guildId, userId, me, 'MOVE_MEMBERS');
  if (!current) return false;
  const gone = await ctx.db.transaction(async (tx) => {
    await lockChannel(tx, current.channelId);
    const state = await deleteState(tx, userId, current.sessionId);
    if (!state) return undefined;
    await recordVoiceAudit(tx, ctx.ids, {
      guildId,
      actorId: me,
      action: 'MEMBER_VOICE_DISCONNECT',
      targetUserId: userId,
      changes: [{ key: 'channelId', before: state.channelId, after: null }],
      reason,
    });
    await appendToOutbox(tx, [
      voiceStateUpdated('disconnect', { before: state, actorId: me }),
      nodeCommand({
        command: 'disconnect',
        nodeId: state.nodeId,
        channelId: state.channelId,
        userId,
        reason: 'moderator',
      }),
    ]);
    await releaseIfEmpty(ctx.directory, tx, state);
    return state;
  });
  ctx.kick();
  return gone !== undefined;
}

export const moderationResolvers: Resolvers = {
  Mutation: {
    moderateVoice: (_, args, ctx) => moderateVoice(ctx, args),
    moveVoiceMember: (_, args, ctx) => moveVoiceMember(ctx, args),
    disconnectVoiceMember: (_, args, ctx) => disconnectVoiceMember(ctx, args),
  },
};
