import type { Database } from '@gochat/db';
import { channels, guildMembers, guilds, roles } from '@gochat/drizzle';
import { forbidden, notFound, validation } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';
import { and, asc, count, eq, inArray } from 'drizzle-orm';

import { diff, patchChanges } from './audit.ts';
import { releaseMemberAvatars } from './member-avatars.ts';
import { forKeys, memberIs } from './queries.ts';
import type { GuildRow } from './rows.ts';
import { guildEvent, lockGuild, memberAdded, memberRemoved, recordChange } from './tx.ts';

export interface NewGuild {
  name: string;
  description: string | null;
  icon: string | null;
  public: boolean;
}

/** Guild settings to change: undefined leaves a field alone, null clears a nullable one. */
export interface GuildPatch {
  name?: string;
  icon?: string | null;
  description?: string | null;
  public?: boolean;
  systemChannelId?: string | null;
  /** Where voice channels without a region of their own are placed; null for automatic. */
  voiceRegion?: string | null;
  /** @everyone's permissions. */
  basePermissions?: bigint;
}

export function guildsStore(db: Database, ids: SnowflakeGenerator) {
  return {
    /** The guilds the user belongs to, oldest membership first. */
    guildsOfUser: (userId: string): Promise<GuildRow[]> =>
      db
        .select({
          id: guilds.id,
          name: guilds.name,
          ownerId: guilds.ownerId,
          icon: guilds.icon,
          description: guilds.description,
          public: guilds.public,
          systemChannelId: guilds.systemChannelId,
          voiceRegion: guilds.voiceRegion,
          createdAt: guilds.createdAt,
        })
        .from(guildMembers)
        .innerJoin(guilds, eq(guilds.id, guildMembers.guildId))
        .where(eq(guildMembers.userId, userId))
        .orderBy(asc(guildMembers.joinedAt), asc(guilds.id)),

    /** Member counts of several guilds in one query (batched per request by a loader). */
    membersCounts: (guildIds: readonly string[]): Promise<{ guildId: string; n: number }[]> =>
      forKeys(guildIds, (keys) =>
        db
          .select({ guildId: guildMembers.guildId, n: count() })
          .from(guildMembers)
          .where(inArray(guildMembers.guildId, keys))
          .groupBy(guildMembers.guildId),
      ),

    /**
     * The guild with @everyone, its owner's membership, a 'Text Channels' category and a 'general'
     * text channel in it that receives join messages, with their events, in one commit.
     */
    createGuild: (ownerId: string, input: NewGuild): Promise<GuildRow> =>
      db.transaction(async (tx) => {
        const guildId = ids.next();
        // system_channel_id references channels: the guild exists first, its channel is set last.
        await tx.insert(guilds).values({ id: guildId, ownerId, ...input, systemChannelId: null });
        await tx.insert(roles).values({
          id: guildId,
          guildId,
          name: '@everyone',
          position: 0,
          permissions: DEFAULT_EVERYONE_PERMISSIONS,
        });
        await tx.insert(guildMembers).values({ guildId, userId: ownerId });
        const categoryId = ids.next();
        const generalId = ids.next();
        await tx
          .insert(channels)
          .values({ id: categoryId, guildId, kind: 'category', name: 'Text Channels', position: 0 });
        await tx.insert(channels).values({
          id: generalId,
          guildId,
          kind: 'text',
          name: 'general',
          position: 0,
          parentId: categoryId,
        });
        const [guild] = await tx
          .update(guilds)
          .set({ systemChannelId: generalId })
          .where(eq(guilds.id, guildId))
          .returning();
        if (!guild) throw new Error('guild vanished during its creation');
        const subject = subjects.guild(guildId);
        await appendToOutbox(tx, [
          newEvent('GuildCreated', subject, { guildId, ownerId }),
          ...memberAdded({ guildId, userId: ownerId }),
          newEvent('ChannelCreated', subject, { guildId, channelId: categoryId }),
          newEvent('ChannelCreated', subject, { guildId, channelId: generalId }),
        ]);
        return guild;
      }),

    /**
     * Applies the patch with a GUILD_UPDATE audit entry and a GuildUpdated event (nothing when nothing
     * changes). A system channel must be a text channel of the guild (checked under the guild's lock).
     */
    updateGuild: (guildId: string, actorId: string, patch: GuildPatch): Promise<GuildRow> =>
      db.transaction(async (tx) => {
        const before = await lockGuild(tx, guildId);
        if (patch.systemChannelId) {
          const [channel] = await tx
            .select({ kind: channels.kind })
            .from(channels)
            .where(and(eq(channels.id, patch.systemChannelId), eq(channels.guildId, guildId)));
          if (channel?.kind !== 'text')
            throw validation('systemChannelId: must be a text channel of this guild', 'systemChannelId');
        }
        const [everyone] = await tx
          .select({ permissions: roles.permissions })
          .from(roles)
          .where(eq(roles.id, guildId));
        const { basePermissions, ...settings } = patch;
        const changes = patchChanges(before, settings);
        if (basePermissions !== undefined)
          changes.push(...diff({ basePermissions: everyone?.permissions }, { basePermissions }));
        if (changes.length === 0) return before;
        const by = { guildId, actorId };
        let guild = before;
        if (Object.keys(settings).length > 0) {
          const [updated] = await tx.update(guilds).set(settings).where(eq(guilds.id, guildId)).returning();
          if (updated) guild = updated;
        }
        const events: NewEvent[] = [guildEvent(by, 'GuildUpdated', { fields: changes.map((c) => c.key) })];
        if (basePermissions !== undefined && basePermissions !== everyone?.permissions) {
          await tx.update(roles).set({ permissions: basePermissions }).where(eq(roles.id, guildId));
          events.push(guildEvent(by, 'RoleUpdated', { roleId: guildId, fields: ['permissions'] }));
        }
        await recordChange(
          tx,
          ids,
          by,
          { action: 'GUILD_UPDATE', targetType: 'GUILD', targetId: guildId, changes },
          events,
        );
        return guild;
      }),

    /** Deletes the guild; foreign keys cascade to everything in it. */
    deleteGuild: (guildId: string, actorId: string): Promise<void> =>
      db.transaction(async (tx) => {
        const deleted = await tx.delete(guilds).where(eq(guilds.id, guildId)).returning({ id: guilds.id });
        if (deleted.length === 0) throw notFound('Guild');
        await appendToOutbox(tx, [guildEvent({ guildId, actorId }, 'GuildDeleted', {})]);
      }),

    /** Ends the user's membership; the owner cannot leave (checked under the guild's lock). */
    leaveGuild: (guildId: string, userId: string): Promise<void> =>
      db.transaction(async (tx) => {
        const guild = await lockGuild(tx, guildId);
        if (guild.ownerId === userId)
          throw forbidden('The owner cannot leave the guild: transfer ownership first.');
        const removed = await tx
          .delete(guildMembers)
          .where(memberIs(guildId, userId))
          .returning({ userId: guildMembers.userId, avatarUploadId: guildMembers.avatarUploadId });
        if (removed.length === 0) throw forbidden('Not a member of this guild.');
        await releaseMemberAvatars(tx, removed);
        await appendToOutbox(tx, memberRemoved({ guildId, actorId: userId }, userId, 'leave'));
      }),

    /** Makes another member the owner; only the current owner may (checked under the guild's lock). */
    transferGuildOwnership: (
      guildId: string,
      actorId: string,
      newOwnerId: string,
      reason: string | null,
    ): Promise<GuildRow> =>
      db.transaction(async (tx) => {
        const before = await lockGuild(tx, guildId);
        if (before.ownerId !== actorId) throw forbidden('Only the guild owner can do this.');
        const [member] = await tx.select().from(guildMembers).where(memberIs(guildId, newOwnerId));
        if (!member) throw notFound('Member');
        if (newOwnerId === actorId) throw validation('userId: you already own this guild', 'userId');
        const [guild] = await tx
          .update(guilds)
          .set({ ownerId: newOwnerId })
          .where(eq(guilds.id, guildId))
          .returning();
        if (!guild) throw notFound('Guild');
        const by = { guildId, actorId, reason };
        await recordChange(
          tx,
          ids,
          by,
          {
            action: 'GUILD_OWNER_TRANSFER',
            targetType: 'MEMBER',
            targetId: newOwnerId,
            changes: [{ key: 'ownerId', before: actorId, after: newOwnerId }],
          },
          [guildEvent(by, 'GuildOwnerChanged', { previousOwnerId: actorId, ownerId: newOwnerId })],
        );
        return guild;
      }),
  };
}
