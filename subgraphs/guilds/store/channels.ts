import type { Database, Transaction } from '@gochat/db';
import { channels } from '@gochat/drizzle';
import { DomainError, notFound, validation } from '@gochat/errors';
import { newEvent, subjects } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { and, asc, count, eq, inArray, isNull, max } from 'drizzle-orm';

import { diff, patchChanges } from './audit.ts';
import {
  isPrivate,
  letMemberView,
  overwritesOf,
  overwritesStore,
  recordChannelChange,
  setPrivate,
} from './overwrites.ts';
import type { AuditChangeRow, ChannelRow } from './rows.ts';
import { guildEvent, lockChannel, lockGuild, recordChange } from './tx.ts';

/** Discord's limit of channels (categories included) per guild. */
export const MAX_CHANNELS_PER_GUILD = 500;

export type GuildChannelKind = 'text' | 'voice' | 'category';

export interface NewChannel {
  kind: GuildChannelKind;
  name: string;
  topic: string | null;
  parentId: string | null;
  /** Undefined: after the last of its siblings. */
  position: number | undefined;
  slowmodeSeconds: number;
  voiceRegion: string | null;
  bitrate: number | null;
  /** Voice channels: members at once, 0 for no limit; 0 for other kinds. */
  userLimit: number;
}

/** Channel fields to change: undefined leaves a field alone. */
export interface ChannelPatch {
  name?: string;
  topic?: string | null;
  parentId?: string | null;
  position?: number;
  slowmodeSeconds?: number;
  voiceRegion?: string | null;
  bitrate?: number | null;
  userLimit?: number;
}

export interface ChannelMove {
  id: string;
  position: number;
  /** Undefined leaves the category alone; null takes the channel out of it. */
  parentId?: string | null;
}

/** A category of the guild, for a channel of the given kind to sit in; VALIDATION otherwise. */
async function checkParent(
  tx: Transaction,
  guildId: string,
  kind: string,
  parentId: string | null | undefined,
  field: string,
): Promise<void> {
  if (parentId === null || parentId === undefined) return;
  if (kind === 'category') throw validation(`${field}: a category cannot sit in a category`, field);
  const [parent] = await tx
    .select({ kind: channels.kind })
    .from(channels)
    .where(and(eq(channels.id, parentId), eq(channels.guildId, guildId)));
  if (parent?.kind !== 'category') throw validation(`${field}: must be a category of this guild`, field);
}

/** The next position after the channel's siblings (same category, or none). */
async function nextPosition(tx: Transaction, guildId: string, parentId: string | null): Promise<number> {
  const [row] = await tx
    .select({ top: max(channels.position) })
    .from(channels)
    .where(
      and(
        eq(channels.guildId, guildId),
        parentId === null ? isNull(channels.parentId) : eq(channels.parentId, parentId),
      ),
    );
  return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
}

const auditable = (c: ChannelRow) => ({
  name: c.name,
  kind: c.kind,
  topic: c.topic,
  parentId: c.parentId,
  position: c.position,
  slowmodeSeconds: c.slowmodeSeconds,
  voiceRegion: c.voiceRegion,
  bitrate: c.bitrate,
  userLimit: c.userLimit,
});

/** Guild channels; their permission overwrites are in overwrites.ts and served through this store. */
export function channelsStore(db: Database, ids: SnowflakeGenerator) {
  return {
    ...overwritesStore(db, ids),

    /** The guild's channels by position then id. */
    channelsOfGuild: (guildId: string): Promise<ChannelRow[]> =>
      db
        .select()
        .from(channels)
        .where(eq(channels.guildId, guildId))
        .orderBy(asc(channels.position), asc(channels.id)),

    /**
     * Creates a guild channel under the guild's lock, so concurrent creations cannot pass the limit.
     * A private channel gets an @everyone overwrite denying VIEW_CHANNEL, and `keepVisibleFor` (the
     * creator, when they would not see it otherwise) a member overwrite allowing it.
     */
    createChannel: (
      guildId: string,
      actorId: string,
      input: NewChannel,
      options: { private: boolean; keepVisibleFor: string | null; reason: string | null },
    ): Promise<ChannelRow> =>
      db.transaction(async (tx) => {
        await lockGuild(tx, guildId);
        const [counted] = await tx.select({ n: count() }).from(channels).where(eq(channels.guildId, guildId));
        if (Number(counted?.n ?? 0) >= MAX_CHANNELS_PER_GUILD)
          throw new DomainError(
            'LIMIT_REACHED',
            `A guild has at most ${MAX_CHANNELS_PER_GUILD} channels, categories included.`,
          );
        await checkParent(tx, guildId, input.kind, input.parentId, 'parentId');
        const position = input.position ?? (await nextPosition(tx, guildId, input.parentId));
        const [channel] = await tx
          .insert(channels)
          .values({ id: ids.next(), guildId, ...input, position })
          .returning();
        if (!channel) throw new Error('insert returned no channel');
        const changes: AuditChangeRow[] = diff({}, auditable(channel));
        if (options.private) {
          await setPrivate(tx, channel.id, guildId, true);
          if (options.keepVisibleFor) await letMemberView(tx, channel.id, options.keepVisibleFor);
          changes.push({ key: 'private', after: true });
        }
        await recordChange(
          tx,
          ids,
          { guildId, actorId, reason: options.reason },
          { action: 'CHANNEL_CREATE', targetType: 'CHANNEL', targetId: channel.id, changes },
          [newEvent('ChannelCreated', subjects.guild(guildId), { guildId, channelId: channel.id })],
        );
        return channel;
      }),

    /** Applies the patch (and the private flag) with a CHANNEL_UPDATE entry and a ChannelUpdated event. */
    updateChannel: (
      channelId: string,
      actorId: string,
      patch: ChannelPatch,
      options: { private?: boolean; reason: string | null },
    ): Promise<ChannelRow> =>
      db.transaction(async (tx) => {
        const before = await lockChannel(tx, channelId);
        if (!before.guildId) throw notFound('Channel');
        const guildId = before.guildId;
        await checkParent(tx, guildId, before.kind, patch.parentId, 'parentId');
        const changes = patchChanges(before, patch);
        let channel = before;
        if (changes.length > 0) {
          const [updated] = await tx
            .update(channels)
            .set(patch)
            .where(eq(channels.id, channelId))
            .returning();
          if (updated) channel = updated;
        }
        if (options.private !== undefined) {
          const wasPrivate = isPrivate(await overwritesOf(tx, channelId), guildId);
          if (wasPrivate !== options.private) {
            await setPrivate(tx, channelId, guildId, options.private);
            changes.push({ key: 'private', before: wasPrivate, after: options.private });
          }
        }
        if (changes.length === 0) return channel;
        await recordChannelChange(tx, ids, { guildId, actorId, reason: options.reason }, channelId, {
          action: 'CHANNEL_UPDATE',
          changes,
          fields: changes.map((c) => c.key),
        });
        return channel;
      }),

    /** Deletes a guild channel with its messages; children and the system channel are let go by the FKs. */
    deleteChannel: (channelId: string, actorId: string, reason: string | null): Promise<void> =>
      db.transaction(async (tx) => {
        const [deleted] = await tx.delete(channels).where(eq(channels.id, channelId)).returning();
        if (!deleted?.guildId) throw notFound('Channel');
        const by = { guildId: deleted.guildId, actorId, reason };
        await recordChange(
          tx,
          ids,
          by,
          {
            action: 'CHANNEL_DELETE',
            targetType: 'CHANNEL',
            targetId: channelId,
            changes: diff(auditable(deleted), {}),
          },
          [guildEvent(by, 'ChannelDeleted', { channelId })],
        );
      }),

    /** Moves several channels at once: all of them or none (VALIDATION names the first bad one). */
    reorderChannels: (
      guildId: string,
      actorId: string,
      moves: ChannelMove[],
      reason: string | null,
    ): Promise<void> =>
      db.transaction(async (tx) => {
        await lockGuild(tx, guildId);
        const listed = moves.map((m) => m.id);
        if (new Set(listed).size !== listed.length)
          throw validation('positions: a channel is listed twice', 'positions');
        const rows = listed.length
          ? await tx
              .select()
              .from(channels)
              .where(and(eq(channels.guildId, guildId), inArray(channels.id, listed)))
          : [];
        const byId = new Map(rows.map((r) => [r.id, r]));
        const changes: AuditChangeRow[] = [];
        for (const [index, move] of moves.entries()) {
          const channel = byId.get(move.id);
          if (!channel)
            throw validation(`positions.${index}.id: not a channel of this guild`, `positions.${index}.id`);
          await checkParent(tx, guildId, channel.kind, move.parentId, `positions.${index}.parentId`);
          const before = { position: channel.position, parentId: channel.parentId };
          const after = {
            position: move.position,
            parentId: move.parentId === undefined ? channel.parentId : move.parentId,
          };
          if (before.position === after.position && before.parentId === after.parentId) continue;
          changes.push({ key: channel.id, before, after });
        }
        for (const change of changes)
          await tx
            .update(channels)
            .set(change.after as { position: number; parentId: string | null })
            .where(eq(channels.id, change.key));
        if (changes.length === 0) return;
        const by = { guildId, actorId, reason };
        await recordChange(
          tx,
          ids,
          by,
          { action: 'CHANNELS_REORDER', targetType: 'CHANNEL', targetId: null, changes },
          [guildEvent(by, 'ChannelsReordered', { channelIds: changes.map((c) => c.key) })],
        );
      }),
  };
}
