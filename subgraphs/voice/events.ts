import { newEvent, subjects, type VoiceNodeCommandPayload, type VoiceStateReason } from '@gochat/events';

import type { VoiceStateRow } from './store/rows.ts';

/** Where a call's events go: its guild, or for a DM call the DM's own subject. */
const subjectOf = (guildId: string | null, channelId: string) =>
  guildId === null ? subjects.channelMessages(null, channelId) : subjects.guild(guildId);

const payloadOf = (s: VoiceStateRow) => ({
  selfMute: s.selfMute,
  selfDeaf: s.selfDeaf,
  serverMute: s.serverMute,
  serverDeaf: s.serverDeaf,
  selfVideo: s.selfVideo,
  selfStream: s.selfStream,
  connected: s.connectedAt !== null,
});

/** The user's state now (`now`; undefined: they left) after it was `before`. */
export function voiceStateUpdated(
  reason: VoiceStateReason,
  change: { before?: VoiceStateRow; now?: VoiceStateRow; actorId?: string },
) {
  const { before, now } = change;
  const where = now ?? before!;
  const previousChannelId = before && before.channelId !== now?.channelId ? before.channelId : null;
  return newEvent('VoiceStateUpdated', subjectOf(where.guildId, where.channelId), {
    guildId: where.guildId,
    userId: where.userId,
    channelId: now?.channelId ?? null,
    previousChannelId,
    reason,
    actorId: change.actorId ?? null,
    state: now ? payloadOf(now) : null,
  });
}

/** A left call in another guild or DM is announced there too (the new one's subject does not reach it). */
export function voiceTransitionEvents(
  reason: VoiceStateReason,
  change: { before?: VoiceStateRow; now: VoiceStateRow; actorId?: string },
) {
  const { before, now } = change;
  const elsewhere = before && (before.guildId ?? before.channelId) !== (now.guildId ?? now.channelId);
  return elsewhere
    ? [voiceStateUpdated('leave', { before }), voiceStateUpdated(reason, { now, actorId: change.actorId })]
    : [voiceStateUpdated(reason, change)];
}

export const nodeCommand = (command: VoiceNodeCommandPayload) =>
  newEvent('VoiceNodeCommand', subjects.voiceNode(command.nodeId), command);
