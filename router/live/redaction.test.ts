import type { EventType } from '@gochat/events';
import { PERMISSIONS } from '@gochat/permissions';
import { describe, expect, it } from 'vitest';

import type { GuildAccess } from './access.ts';
import { viewOf } from './redaction.ts';
import { liveEvent } from './test-events.ts';

const event = (type: EventType, data: Record<string, unknown>) =>
  liveEvent(type, 'guild.g1', { guildId: 'g1', ...data });
const access = (permissions: bigint, channels: string[] = []): GuildAccess => ({
  memberCount: 3,
  permissions,
  channels: new Set(channels),
  history: new Set(channels),
});

describe('per-viewer views of an event', () => {
  const kick = event('GuildMemberRemoved', { userId: 'carol', actorId: 'alice', reason: 'kick' });

  it('shows who removed a member, and why, to audit-log readers only', () => {
    expect(viewOf(kick, 'dave', access(PERMISSIONS.VIEW_AUDIT_LOG))).toBeUndefined();
    const member = viewOf(kick, 'bob', access(0n));
    expect(member?.data).toEqual({ guildId: 'g1', userId: 'carol' });
    // The removed member learns why, not who.
    expect(viewOf(kick, 'carol', undefined)?.data).toEqual({
      guildId: 'g1',
      userId: 'carol',
      reason: 'kick',
    });
    // The actor knows what they did.
    expect(viewOf(kick, 'alice', access(0n))?.data).toMatchObject({ actorId: 'alice' });
  });

  it('shows the invite code to MANAGE_GUILD holders and the member who used it', () => {
    const joined = event('GuildMemberAdded', { userId: 'carol', inviteCode: 'abc' });
    expect(viewOf(joined, 'alice', access(PERMISSIONS.MANAGE_GUILD))).toBeUndefined();
    expect(viewOf(joined, 'carol', access(0n))).toBeUndefined();
    expect(viewOf(joined, 'bob', access(0n))?.data).not.toHaveProperty('inviteCode');
  });

  it('lists only the channels the viewer can see in a reordering', () => {
    const reordered = event('ChannelsReordered', { actorId: 'alice', channelIds: ['c1', 'hidden', 'c2'] });
    const view = viewOf(reordered, 'bob', access(PERMISSIONS.VIEW_AUDIT_LOG, ['c1', 'c2']));
    expect(view?.data.channelIds).toEqual(['c1', 'c2']);
    expect(viewOf(reordered, 'alice', access(0n, ['c1', 'hidden', 'c2']))).toBeUndefined();
  });

  it('gives viewers who see the same thing the same key, and leaves DMs whole', () => {
    const update = event('ChannelUpdated', { actorId: 'alice', channelId: 'c1', fields: ['name'] });
    expect(viewOf(update, 'bob', access(0n))?.key).toBe(viewOf(update, 'erin', access(0n))?.key);
    const dm = liveEvent('ChannelUpdated', 'guild.g1', { guildId: null, actorId: 'alice', channelId: 'dm1' });
    expect(viewOf(dm, 'bob', undefined)).toBeUndefined();
  });
});
