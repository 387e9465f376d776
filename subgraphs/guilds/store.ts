import { isForeignKeyViolation, isUniqueViolation, type Database } from '@gochat/db';
import { channels, guildMembers, guilds } from '@gochat/drizzle';
import { newEvent, subjects } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { notFound } from '@gochat/errors';
import { appendToOutbox } from '@gochat/outbox';
import { and, asc, eq, inArray } from 'drizzle-orm';

export interface GuildRow {
  id: string;
  name: string;
  ownerId: string;
  createdAt: Date;
}
export interface ChannelRow {
  id: string;
  guildId: string;
  name: string;
  kind: 'text';
  createdAt: Date;
}
export interface UserRef {
  id: string;
}

/** All of the guilds subgraph's SQL. */
export function createGuildsStore(db: Database, ids: SnowflakeGenerator) {
  return {
    guildsByIds: (list: readonly string[]): Promise<GuildRow[]> =>
      list.length
        ? db
            .select()
            .from(guilds)
            .where(inArray(guilds.id, [...list]))
        : Promise.resolve([]),

    channelsByIds: (list: readonly string[]): Promise<ChannelRow[]> =>
      list.length
        ? db
            .select()
            .from(channels)
            .where(inArray(channels.id, [...list]))
        : Promise.resolve([]),

    channelsOfGuild: (guildId: string): Promise<ChannelRow[]> =>
      db.select().from(channels).where(eq(channels.guildId, guildId)).orderBy(asc(channels.id)),

    async memberIds(guildId: string, first: number): Promise<string[]> {
      const rows = await db
        .select({ userId: guildMembers.userId })
        .from(guildMembers)
        .where(eq(guildMembers.guildId, guildId))
        .orderBy(asc(guildMembers.joinedAt), asc(guildMembers.userId))
        .limit(first);
      return rows.map((r) => r.userId);
    },

    /** Which of the given guilds the user belongs to (batched by a DataLoader per request). */
    async memberships(userId: string, guildIds: readonly string[]): Promise<Set<string>> {
      if (guildIds.length === 0) return new Set();
      const rows = await db
        .select({ guildId: guildMembers.guildId })
        .from(guildMembers)
        .where(and(eq(guildMembers.userId, userId), inArray(guildMembers.guildId, [...guildIds])));
      return new Set(rows.map((r) => r.guildId));
    },

    guildsOfUser: (userId: string): Promise<GuildRow[]> =>
      db
        .select({ id: guilds.id, name: guilds.name, ownerId: guilds.ownerId, createdAt: guilds.createdAt })
        .from(guildMembers)
        .innerJoin(guilds, eq(guilds.id, guildMembers.guildId))
        .where(eq(guildMembers.userId, userId))
        .orderBy(asc(guildMembers.joinedAt), asc(guilds.id)),

    /** The guild, its owner's membership and a 'general' channel, with their events, in one commit. */
    createGuild: (ownerId: string, name: string): Promise<GuildRow> =>
      db.transaction(async (tx) => {
        const [guild] = await tx.insert(guilds).values({ id: ids.next(), name, ownerId }).returning();
        if (!guild) throw new Error('insert returned no guild');
        await tx.insert(guildMembers).values({ guildId: guild.id, userId: ownerId });
        const [general] = await tx
          .insert(channels)
          .values({ id: ids.next(), guildId: guild.id, name: 'general' })
          .returning();
        await appendToOutbox(tx, [
          newEvent('GuildCreated', subjects.guild(guild.id), { guildId: guild.id, ownerId }),
          newEvent('GuildMemberAdded', subjects.guild(guild.id), { guildId: guild.id, userId: ownerId }),
          newEvent('ChannelCreated', subjects.guild(guild.id), { guildId: guild.id, channelId: general!.id }),
        ]);
        return guild;
      }),

    createChannel: (guildId: string, name: string): Promise<ChannelRow> =>
      db.transaction(async (tx) => {
        const [channel] = await tx.insert(channels).values({ id: ids.next(), guildId, name }).returning();
        if (!channel) throw new Error('insert returned no channel');
        await appendToOutbox(tx, [
          newEvent('ChannelCreated', subjects.guild(guildId), { guildId, channelId: channel.id }),
        ]);
        return channel;
      }),

    /** Adds a member; false when they already were one. */
    async addMember(guildId: string, userId: string): Promise<boolean> {
      try {
        return await db.transaction(async (tx) => {
          const inserted = await tx
            .insert(guildMembers)
            .values({ guildId, userId })
            .onConflictDoNothing()
            .returning({ userId: guildMembers.userId });
          if (inserted.length === 0) return false;
          await appendToOutbox(tx, [
            newEvent('GuildMemberAdded', subjects.guild(guildId), { guildId, userId }),
          ]);
          return true;
        });
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        if (isForeignKeyViolation(error)) throw notFound('User');
        throw error;
      }
    },
  };
}

export type GuildsStore = ReturnType<typeof createGuildsStore>;
