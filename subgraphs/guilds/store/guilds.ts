import type { Database, Transaction } from '@gochat/db';
import { channels, guildMembers, guilds, roles } from '@gochat/drizzle';
import { forbidden, notFound, validation } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';
import { DEFAULT_EVERYONE_PERMISSIONS } from '@gochat/permissions';
import { and, asc, count, eq } from 'drizzle-orm';

import { diff, recordAudit } from './audit.ts';
import type { GuildRow } from './rows.ts';

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
  /** @everyone's permissions. */
  basePermissions?: bigint;
}

/** The guild's row, locked until the transaction ends; NOT_FOUND when it is gone. */
export async function lockGuild(tx: Transaction, guildId: string): Promise<GuildRow> {
  const [guild] = await tx.select().from(guilds).where(eq(guilds.id, guildId)).for('update');
  if (!guild) throw notFound('Guild');
  return guild;
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
          createdAt: guilds.createdAt,
        })
        .from(guildMembers)
        .innerJoin(guilds, eq(guilds.id, guildMembers.guildId))
        .where(eq(guildMembers.userId, userId))
        .orderBy(asc(guildMembers.joinedAt), asc(guilds.id)),

    async countMembers(guildId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(guildMembers)
        .where(eq(guildMembers.guildId, guildId));
      return Number(row?.n ?? 0);
    },

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
          newEvent('GuildMemberAdded', subject, { guildId, userId: ownerId }),
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
        const after = { ...before, ...settings };
        const changes = diff(
          {
            ...pick(before, settings),
            ...(basePermissions === undefined ? {} : { basePermissions: everyone?.permissions }),
          },
          { ...pick(after, settings), ...(basePermissions === undefined ? {} : { basePermissions }) },
        );
        if (changes.length === 0) return before;
        const fields = changes.map((c) => c.key);
        let guild = before;
        if (Object.keys(settings).length > 0) {
          const [updated] = await tx.update(guilds).set(settings).where(eq(guilds.id, guildId)).returning();
          if (updated) guild = updated;
        }
        const events: NewEvent[] = [
          newEvent('GuildUpdated', subjects.guild(guildId), { guildId, actorId, fields }),
        ];
        if (basePermissions !== undefined && basePermissions !== everyone?.permissions) {
          await tx.update(roles).set({ permissions: basePermissions }).where(eq(roles.id, guildId));
          events.push(
            newEvent('RoleUpdated', subjects.guild(guildId), {
              guildId,
              actorId,
              roleId: guildId,
              fields: ['permissions'],
            }),
          );
        }
        await recordAudit(tx, ids, {
          guildId,
          actorId,
          action: 'GUILD_UPDATE',
          targetType: 'GUILD',
          targetId: guildId,
          changes,
        });
        await appendToOutbox(tx, events);
        return guild;
      }),

    /** Deletes the guild; foreign keys cascade to everything in it. */
    deleteGuild: (guildId: string, actorId: string): Promise<void> =>
      db.transaction(async (tx) => {
        const deleted = await tx.delete(guilds).where(eq(guilds.id, guildId)).returning({ id: guilds.id });
        if (deleted.length === 0) throw notFound('Guild');
        await appendToOutbox(tx, [newEvent('GuildDeleted', subjects.guild(guildId), { guildId, actorId })]);
      }),

    /** Ends the user's membership; the owner cannot leave (checked under the guild's lock). */
    leaveGuild: (guildId: string, userId: string): Promise<void> =>
      db.transaction(async (tx) => {
        const guild = await lockGuild(tx, guildId);
        if (guild.ownerId === userId)
          throw forbidden('The owner cannot leave the guild: transfer ownership first.');
        const removed = await tx
          .delete(guildMembers)
          .where(and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, userId)))
          .returning({ userId: guildMembers.userId });
        if (removed.length === 0) throw forbidden('Not a member of this guild.');
        const data = { guildId, actorId: userId, userId, reason: 'leave' as const };
        await appendToOutbox(tx, [
          newEvent('GuildMemberRemoved', subjects.guild(guildId), data),
          newEvent('GuildMemberRemoved', subjects.user(userId), data),
        ]);
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
        const [member] = await tx
          .select({ userId: guildMembers.userId })
          .from(guildMembers)
          .where(and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, newOwnerId)));
        if (!member) throw notFound('Member');
        if (newOwnerId === actorId) throw validation('userId: you already own this guild', 'userId');
        const [guild] = await tx
          .update(guilds)
          .set({ ownerId: newOwnerId })
          .where(eq(guilds.id, guildId))
          .returning();
        if (!guild) throw notFound('Guild');
        await recordAudit(tx, ids, {
          guildId,
          actorId,
          action: 'GUILD_OWNER_TRANSFER',
          targetType: 'MEMBER',
          targetId: newOwnerId,
          changes: [{ key: 'ownerId', before: actorId, after: newOwnerId }],
          reason,
        });
        await appendToOutbox(tx, [
          newEvent('GuildOwnerChanged', subjects.guild(guildId), {
            guildId,
            actorId,
            previousOwnerId: actorId,
            ownerId: newOwnerId,
          }),
        ]);
        return guild;
      }),
  };
}

/** The row's values for the patch's keys. */
function pick(row: GuildRow, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(patch)) out[key] = row[key as keyof GuildRow];
  return out;
}
