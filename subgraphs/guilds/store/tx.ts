import type { BusEvent } from '@gochat/bus';
import type { Transaction } from '@gochat/db';
import { channels, guilds } from '@gochat/drizzle';
import { notFound } from '@gochat/errors';
import { newEvent, subjects, type EventPayloads, type EventType, type NewEvent } from '@gochat/events';
import type { SnowflakeGenerator } from '@gochat/ids';
import { appendToOutbox } from '@gochat/outbox';
import { eq } from 'drizzle-orm';

import { recordAudit, type AuditEntry } from './audit.ts';
import type { ChannelRow, GuildRow } from './rows.ts';

/**
 * 'update' for writes that serialise on the guild; 'no key update' where foreign-key checks of
 * concurrent inserts must still pass.
 */
type GuildLock = 'update' | 'no key update';

/** The guild's row, locked until the transaction ends; NOT_FOUND when it is gone. */
export async function lockGuild(
  tx: Transaction,
  guildId: string,
  strength: GuildLock = 'update',
): Promise<GuildRow> {
  const [guild] = await tx.select().from(guilds).where(eq(guilds.id, guildId)).for(strength);
  if (!guild) throw notFound('Guild');
  return guild;
}

/** The channel's row, locked until the transaction ends (a concurrent delete waits or wins); NOT_FOUND when gone. */
export async function lockChannel(tx: Transaction, channelId: string): Promise<ChannelRow> {
  const [channel] = await tx.select().from(channels).where(eq(channels.id, channelId)).for('update');
  if (!channel) throw notFound('Channel');
  return channel;
}

/** Who changes a guild, and why: what a change's audit entry and events share. */
export interface GuildActor {
  guildId: string;
  actorId: string;
  reason?: string | null;
}

/** Event types whose payload names the guild and the actor. */
type ActorEventType = {
  [T in EventType]: EventPayloads[T] extends { guildId: string; actorId: string } ? T : never;
}[EventType];

/** An event on the guild's subject, its payload completed with the guild and the actor. */
export function guildEvent<T extends ActorEventType>(
  by: GuildActor,
  type: T,
  data: Omit<EventPayloads[T], 'guildId' | 'actorId'>,
): NewEvent<T> {
  const payload = { guildId: by.guildId, actorId: by.actorId, ...data } as EventPayloads[T];
  return newEvent(type, subjects.guild(by.guildId), payload);
}

/** A user became a member: told to the guild, and to the user, whose other clients learn of the guild. */
export function memberAdded(data: EventPayloads['GuildMemberAdded']): NewEvent[] {
  return [
    newEvent('GuildMemberAdded', subjects.guild(data.guildId), data),
    newEvent('GuildMemberAdded', subjects.user(data.userId), data),
  ];
}

/** A member left or was removed: told to the guild, and to the user, who no longer sees it. */
export function memberRemoved(
  by: GuildActor,
  userId: string,
  why: EventPayloads['GuildMemberRemoved']['reason'],
): NewEvent[] {
  const payload = { guildId: by.guildId, actorId: by.actorId, userId, reason: why };
  return [
    newEvent('GuildMemberRemoved', subjects.guild(by.guildId), payload),
    newEvent('GuildMemberRemoved', subjects.user(userId), payload),
  ];
}

/**
 * Records a change inside the transaction that makes it: its audit entry, and its events (published
 * only after the commit), so none of them exists without the others.
 */
export async function recordChange(
  tx: Transaction,
  ids: SnowflakeGenerator,
  by: GuildActor,
  entry: Omit<AuditEntry, keyof GuildActor>,
  events: NewEvent[],
): Promise<BusEvent[]> {
  await recordAudit(tx, ids, {
    ...entry,
    guildId: by.guildId,
    actorId: by.actorId,
    reason: by.reason ?? null,
  });
  return appendToOutbox(tx, events);
}
