import crypto from 'node:crypto';

import {
  isForeignKeyViolation,
  isUniqueViolation,
  queryRows,
  type Database,
  type Transaction,
} from '@gochat/db';
import { bans, channelState, channels, guildMembers, guilds, invites } from '@gochat/drizzle';
import { forbidden, notFound } from '@gochat/errors';
import { newEvent, subjects, type NewEvent } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import {
  commitChange,
  type Change,
  type MessageTimeline,
  type NewTimelineMessage,
} from '@gochat/message-store';
import { and, asc, eq, sql } from 'drizzle-orm';

import { diff } from './audit.ts';
import { banIs, memberIs } from './queries.ts';
import type { GuildRow, InviteRow } from './rows.ts';
import { guildEvent, memberAdded, recordChange } from './tx.ts';

export const INVITE_CODE_LENGTH = 8;
export const INVITE_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const INVITE_CODE = /^[A-Za-z0-9]{8}$/;
/** How many fresh codes createInvite tries before giving up (62^8 codes: a clash is already rare). */
const CODE_ATTEMPTS = 3;

/** A random invite code: 8 characters of [A-Za-z0-9], from a cryptographic source. */
export function generateInviteCode(randomInt: (max: number) => number = crypto.randomInt): string {
  let code = '';
  for (let i = 0; i < INVITE_CODE_LENGTH; i++)
    code += INVITE_CODE_ALPHABET[randomInt(INVITE_CODE_ALPHABET.length)];
  return code;
}

/** Whether a string can be an invite code at all (anything else names no invite). */
export const isInviteCode = (value: string): boolean => INVITE_CODE.test(value);

/** What an invite leads to, for Query.invite. */
export interface InvitePreviewRow {
  code: string;
  guildId: string;
  guildName: string;
  guildIcon: string | null;
  guildDescription: string | null;
  memberCount: number;
  expiresAt: Date | null;
}

export interface NewInvite {
  guildId: string;
  channelId: string | null;
  inviterId: string;
  /** 0 means never. */
  maxAgeSeconds: number;
  /** 0 means unlimited. */
  maxUses: number;
}

/** An invite that still works: not expired and not used up. */
const live = sql`(${invites.maxUses} = 0 or ${invites.uses} < ${invites.maxUses}) and (${invites.expiresAt} is null or ${invites.expiresAt} > now())`;

type AcceptResult = { guild: GuildRow; joined: boolean };

/** Thrown inside acceptInvite's transaction to roll back the consumed use of a user who already joined. */
class AlreadyMember extends Error {
  constructor(readonly guild: GuildRow) {
    super('already a member');
  }
}

/**
 * The guild's system channel, locked against deletion until the transaction ends, when it is still a
 * text channel of the guild.
 */
async function lockSystemChannel(tx: Transaction, guild: GuildRow): Promise<string | undefined> {
  if (!guild.systemChannelId) return undefined;
  const [channel] = await tx
    .select({ id: channels.id })
    .from(channels)
    .where(
      and(eq(channels.id, guild.systemChannelId), eq(channels.guildId, guild.id), eq(channels.kind, 'text')),
    )
    .for('key share');
  return channel?.id;
}

export function invitesStore(db: Database, ids: SnowflakeGenerator, timeline: MessageTimeline) {
  return {
    /** The invite in any state (expired and used-up ones too). */
    async inviteByCode(code: string): Promise<InviteRow | undefined> {
      if (!isInviteCode(code)) return undefined;
      const [row] = await db.select().from(invites).where(eq(invites.code, code));
      return row;
    },

    /** The guild's invites that still work, oldest first. */
    liveInvitesOfGuild: (guildId: string): Promise<InviteRow[]> =>
      db
        .select()
        .from(invites)
        .where(and(eq(invites.guildId, guildId), live))
        .orderBy(asc(invites.createdAt), asc(invites.code)),

    /** The preview of a working invite; undefined when it is unknown, expired or used up. */
    async invitePreview(code: string): Promise<InvitePreviewRow | undefined> {
      if (!isInviteCode(code)) return undefined;
      const [row] = await db
        .select({
          code: invites.code,
          guildId: guilds.id,
          guildName: guilds.name,
          guildIcon: guilds.icon,
          guildDescription: guilds.description,
          memberCount: sql<number>`(select count(*) from ${guildMembers} where ${guildMembers.guildId} = ${guilds.id})::int`,
          expiresAt: invites.expiresAt,
        })
        .from(invites)
        .innerJoin(guilds, eq(guilds.id, invites.guildId))
        .where(and(eq(invites.code, code), live));
      return row && { ...row, memberCount: Number(row.memberCount) };
    },

    /**
     * Creates the invite with its INVITE_CREATE audit entry and InviteCreated event. A fresh code is
     * drawn when one clashes with an existing invite. NOT_FOUND when the guild or channel went away.
     */
    async createInvite(input: NewInvite, newCode: () => string = generateInviteCode): Promise<InviteRow> {
      for (let attempt = 1; ; attempt++) {
        const code = newCode();
        try {
          return await db.transaction(async (tx) => {
            const [row] = await tx
              .insert(invites)
              .values({
                code,
                guildId: input.guildId,
                channelId: input.channelId,
                inviterId: input.inviterId,
                maxUses: input.maxUses,
                expiresAt:
                  input.maxAgeSeconds === 0
                    ? null
                    : sql`now() + make_interval(secs => ${input.maxAgeSeconds})`,
              })
              .returning();
            if (!row) throw new Error('insert returned no invite');
            const { channelId, maxUses, maxAgeSeconds } = input;
            const by = { guildId: input.guildId, actorId: input.inviterId };
            const changes = diff({}, { code, channelId, maxUses, maxAgeSeconds });
            await recordChange(
              tx,
              ids,
              by,
              { action: 'INVITE_CREATE', targetType: 'INVITE', targetId: code, changes },
              [guildEvent(by, 'InviteCreated', { code })],
            );
            return row;
          });
        } catch (error) {
          if (isUniqueViolation(error, 'invites_pkey') && attempt < CODE_ATTEMPTS) continue;
          if (isForeignKeyViolation(error)) throw notFound(input.channelId ? 'Channel' : 'Guild');
          throw error;
        }
      }
    },

    /** Deletes the invite with its INVITE_DELETE audit entry and InviteDeleted event; NOT_FOUND when it is gone. */
    revokeInvite: (code: string, actorId: string, reason: string | null): Promise<InviteRow> =>
      db.transaction(async (tx) => {
        const [row] = await tx.delete(invites).where(eq(invites.code, code)).returning();
        if (!row) throw notFound('Invite');
        const { channelId, inviterId, maxUses, uses, expiresAt } = row;
        const by = { guildId: row.guildId, actorId, reason };
        const changes = diff({ code, channelId, inviterId, maxUses, uses, expiresAt }, {});
        await recordChange(
          tx,
          ids,
          by,
          { action: 'INVITE_DELETE', targetType: 'INVITE', targetId: code, changes },
          [guildEvent(by, 'InviteDeleted', { code })],
        );
        return row;
      }),

    /**
     * Joins the invite's guild. A member of it gets the guild back with nothing consumed (`joined`
     * false). Otherwise, in one transaction: one use is consumed by a single conditional UPDATE (so
     * concurrent accepts can never exceed max uses), the membership is inserted, the join system
     * message posted to the system channel, and the events appended.
     *
     * The guild row is held `for share` throughout: a concurrent deleteGuild waits for this join to
     * commit and then cascades over it, or has already removed the guild (NOT_FOUND); a concurrent
     * ban (which locks the guild `for no key update`) is ordered before or after it, never between
     * the ban check and the insert.
     *
     * NOT_FOUND when the code is unknown, expired or used up; FORBIDDEN when the user is banned.
     */
    async acceptInvite(code: string, userId: string): Promise<AcceptResult> {
      if (!isInviteCode(code)) throw notFound('Invite');
      try {
        return await commitChange({ db, timeline }, async (tx): Promise<Change<AcceptResult>> => {
          const [invite] = await tx
            .select({ guildId: invites.guildId })
            .from(invites)
            .where(eq(invites.code, code));
          if (!invite) throw notFound('Invite');
          const guildId = invite.guildId;
          const [guild] = await tx.select().from(guilds).where(eq(guilds.id, guildId)).for('share');
          if (!guild) throw notFound('Invite');
          const [member] = await tx
            .select({ userId: guildMembers.userId })
            .from(guildMembers)
            .where(memberIs(guildId, userId));
          if (member) return { result: { guild, joined: false }, events: [] };

          const consumed = await queryRows<{ code: string }>(
            tx,
            sql`/* guilds.acceptInvite */
              update invites set uses = uses + 1
              where code = ${code} and (max_uses = 0 or uses < max_uses) and (expires_at is null or expires_at > now())
              returning code`,
          );
          if (consumed.length === 0) throw notFound('Invite');
          const [banned] = await tx.select({ userId: bans.userId }).from(bans).where(banIs(guildId, userId));
          if (banned) throw forbidden('You are banned from this guild.');

          const inserted = await tx
            .insert(guildMembers)
            .values({ guildId, userId })
            .onConflictDoNothing()
            .returning({ userId: guildMembers.userId });
          // The same user's concurrent accept won: give the use back by rolling back.
          if (inserted.length === 0) throw new AlreadyMember(guild);

          const events: NewEvent[] = [];
          const systemChannelId = await lockSystemChannel(tx, guild);
          const joinMessage = systemChannelId
            ? ({
                id: ids.next(),
                channelId: systemChannelId,
                parentChannelId: systemChannelId,
                guildId,
                authorId: userId,
                kind: 'guild_member_join',
                content: '',
                replyToId: null,
                mentions: { users: [], roles: [], everyone: false, here: false },
                attachments: [],
              } satisfies NewTimelineMessage)
            : undefined;
          if (joinMessage) {
            // The join message makes the system channel unread, as any message does (decision 0013).
            await tx
              .insert(channelState)
              .values({
                channelId: joinMessage.channelId,
                parentChannelId: joinMessage.channelId,
                guildId,
                lastMessageId: joinMessage.id,
              })
              .onConflictDoUpdate({
                target: channelState.channelId,
                set: {
                  lastMessageId: sql`greatest(${channelState.lastMessageId}, excluded.last_message_id)`,
                },
              });
            events.push(
              newEvent('MessageCreated', subjects.channelMessages(guildId, joinMessage.channelId), {
                messageId: joinMessage.id,
                channelId: joinMessage.channelId,
                parentChannelId: joinMessage.parentChannelId,
                guildId,
                authorId: userId,
                kind: joinMessage.kind,
                content: joinMessage.content,
                replyToId: null,
                mentions: joinMessage.mentions,
                attachmentIds: [],
              }),
            );
          }
          events.push(...memberAdded({ guildId, userId, inviteCode: code }));
          return {
            result: { guild, joined: true },
            events,
            // Through the message-store port, so it reaches ScyllaDB too; announced by its
            // MessageCreated, events[0] (decision 0015).
            timeline: joinMessage ? { op: 'insert', message: joinMessage } : undefined,
          };
        });
      } catch (error) {
        if (error instanceof AlreadyMember) return { guild: error.guild, joined: false };
        // The guild (and so the invite) went away under us.
        if (isForeignKeyViolation(error)) throw notFound('Invite');
        throw error;
      }
    },
  };
}
