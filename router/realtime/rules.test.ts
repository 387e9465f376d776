import { PERMISSIONS } from '@gochat/permissions';
import { getOperationAST, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';

import { AccessReads } from '../live/access.ts';
import type { Runner } from '../live/runner.ts';
import { liveEvent as event } from '../live/test-events.ts';
import { guildRules, viewerRules, type RulesContext } from './rules.ts';

/** Stands in for the gateway: the viewer is in guild g1 (5 members) and sees channel c1 only. */
function context(permissions: bigint, memberCount = 5): RulesContext {
  const run: Runner = (document) => {
    const name = getOperationAST(document)?.name?.value;
    const result: ExecutionResult =
      name === 'RealtimeFriends'
        ? { data: { relationships: [{ user: { id: 'friend' } }] } }
        : {
            data: {
              realtimeAccess: {
                guilds: [
                  {
                    id: 'g1',
                    memberCount,
                    permissions: permissions.toString(),
                    channelIds: ['c1'],
                    historyChannelIds: ['c1'],
                  },
                ],
                directChannelIds: ['dm1'],
              },
            },
          };
    return Promise.resolve(result);
  };
  return {
    run,
    principal: { kind: 'user', userId: 'me', expiresAt: Date.now() + 60_000 },
    largeGuildMembers: 100,
    reads: new AccessReads(),
  };
}

describe('guild feed rules', () => {
  it('shows invites only to MANAGE_GUILD holders and bans only to BAN_MEMBERS holders', async () => {
    const member = await guildRules(context(PERMISSIONS.VIEW_CHANNEL), 'g1');
    const manager = await guildRules(context(PERMISSIONS.MANAGE_GUILD), 'g1');
    const banner = await guildRules(context(PERMISSIONS.BAN_MEMBERS), 'g1');
    const invite = event('InviteCreated', 'guild.g1', { guildId: 'g1', code: 'x' });
    const ban = event('GuildBanAdded', 'guild.g1', { guildId: 'g1', userId: 'u' });
    expect([member, manager, banner].map((r) => r.decide(invite))).toEqual(['skip', 'deliver', 'skip']);
    expect([member, manager, banner].map((r) => r.decide(ban))).toEqual(['skip', 'skip', 'deliver']);
  });

  it('shows a created channel only when the viewer can see it', async () => {
    const rules = await guildRules(context(0n), 'g1');
    expect(rules.decide(event('ChannelCreated', 'guild.g1', { guildId: 'g1', channelId: 'c1' }))).toBe(
      'deliver',
    );
    expect(rules.decide(event('ChannelCreated', 'guild.g1', { guildId: 'g1', channelId: 'hidden' }))).toBe(
      'skip',
    );
  });
});

describe('voice events in the guild feed', () => {
  const voice = (userId: string, channelId: string | null, previousChannelId: string | null = null) =>
    event('VoiceStateUpdated', 'guild.g1', {
      guildId: 'g1',
      userId,
      channelId,
      previousChannelId,
      reason: channelId ? 'join' : 'leave',
      actorId: null,
      state: null,
    });

  it('shows a voice state to those who see its channel (or the one left), and to its user', async () => {
    const rules = await guildRules(context(0n), 'g1');
    expect(rules.decide(voice('u', 'c1'))).toBe('deliver');
    expect(rules.decide(voice('u', 'hidden'))).toBe('skip');
    expect(rules.decide(voice('u', null, 'c1'))).toBe('deliver');
    expect(rules.decide(voice('u', 'hidden', 'c1'))).toBe('deliver');
    expect(rules.decide(voice('me', 'hidden'))).toBe('deliver');
  });

  it('tells of a room migrating only those who see its channel', async () => {
    const rules = await guildRules(context(0n), 'g1');
    const migrating = (channelId: string) =>
      event('VoiceRoomMigrating', 'guild.g1', {
        guildId: 'g1',
        actorId: 'a',
        channelId,
        region: 'us',
        rejoinWithinMs: 1,
      });
    // Delivered (with the moderator's id redacted for a viewer without VIEW_AUDIT_LOG), or skipped.
    expect(rules.decide(migrating('c1'))).toMatchObject({ data: { channelId: 'c1' } });
    expect(rules.decide(migrating('hidden'))).toBe('skip');
  });
});

describe('viewer feed rules', () => {
  it("filters messages, typing and presence by the viewer's access", async () => {
    const rules = await viewerRules(context(0n));
    const verdicts = [
      event('MessageCreated', 'channel.g1.c1.messages', { channelId: 'c1', parentChannelId: 'c1' }),
      event('MessageCreated', 'channel.g1.hidden.messages', {
        channelId: 'hidden',
        parentChannelId: 'hidden',
      }),
      // A thread of a visible channel: its parent governs.
      event('MessageCreated', 'channel.g1.t1.messages', { channelId: 't1', parentChannelId: 'c1' }),
      event('TypingStarted', 'typing.dm.dm1', { channelId: 'dm1' }),
      event('TypingStarted', 'typing.dm.other', { channelId: 'other' }),
      event('PresenceUpdated', 'presence.guild.g1', { userId: 'someone' }),
      event('PresenceUpdated', 'presence.user.friend', { userId: 'friend' }),
      event('PresenceUpdated', 'presence.user.stranger', { userId: 'stranger' }),
      event('FriendRequestCreated', 'user.me', {}),
    ].map((e) => rules.decide(e));
    expect(verdicts).toEqual([
      'deliver',
      'skip',
      'deliver',
      'deliver',
      'skip',
      'deliver',
      'deliver',
      'skip',
      'deliver',
    ]);
  });

  it("delivers SettingsUpdated on the viewer's own subject only, without reloading access", async () => {
    const rules = await viewerRules(context(0n));
    const own = event('SettingsUpdated', 'user.me', { userId: 'me', version: 2, document: {} });
    const other = event('SettingsUpdated', 'user.someone', { userId: 'someone', version: 2, document: {} });
    expect(rules.patterns()).toContain('user.me');
    expect(rules.needsRefresh(own)).toBe(false);
    expect([rules.decide(own), rules.decide(other)]).toEqual(['deliver', 'skip']);
  });

  it('leaves a large guild’s presence to memberPresence', async () => {
    const rules = await viewerRules(context(0n, 5_000));
    expect(rules.patterns()).not.toContain('presence.guild.g1');
    expect(rules.decide(event('PresenceUpdated', 'presence.guild.g1', { userId: 'someone' }))).toBe('skip');
  });
});

describe('shared access reads', () => {
  it('runs one read per user, guild and event, however many feeds ask', async () => {
    let runs = 0;
    const ctx = context(0n);
    const counted: RulesContext = {
      ...ctx,
      run: (...args) => {
        runs++;
        return ctx.run(...args);
      },
    };
    const reads = new AccessReads();
    await Promise.all([
      reads.guild(counted.run, counted.principal, 'g1', 'event-1'),
      reads.guild(counted.run, counted.principal, 'g1', 'event-1'),
      reads.guild(counted.run, counted.principal, 'g1', 'event-1'),
    ]);
    expect(runs).toBe(1);
    await reads.guild(counted.run, counted.principal, 'g1', 'event-2');
    await reads.guild(counted.run, counted.principal, 'g1');
    expect(runs).toBe(3);
  });
});
