import {
  basePermissions,
  channelPermissions,
  directChannelPermissions,
  isTimedOut,
} from '@gochat/permissions';

import type { ChannelAccessFacts, GuildAccessFacts } from './facts.ts';

/**
 * The user's effective permissions in the container, by the same functions the guilds subgraph uses:
 * DM participants get the fixed DM set; guild channels follow Discord's algorithm (owner, roles,
 * administrator, overwrites, timeout); non-members get nothing. A thread has its parent's permissions.
 */
export function permissionsIn(facts: ChannelAccessFacts, userId: string, now = new Date()): bigint {
  if (facts.guildId === null) return directChannelPermissions(facts.isRecipient);
  if (!facts.member || facts.ownerId === null) return 0n;
  return channelPermissions(
    {
      userId,
      guildId: facts.guildId,
      ownerId: facts.ownerId,
      everyone: facts.everyone,
      roles: facts.roles,
      timedOut: isTimedOut(facts.member.timeoutUntil, now),
    },
    facts.overwrites,
  );
}

/** The user's guild-wide permissions (no channel overwrites): 0 for a non-member or a missing guild. */
export function permissionsInGuild(facts: GuildAccessFacts, userId: string, now = new Date()): bigint {
  if (!facts.member) return 0n;
  return basePermissions({
    userId,
    guildId: facts.guildId,
    ownerId: facts.ownerId,
    everyone: facts.everyone,
    roles: facts.roles,
    timedOut: isTimedOut(facts.member.timeoutUntil, now),
  });
}
