import { threadMembers, userSettings } from '@gochat/drizzle';
import { PERMISSIONS } from '@gochat/permissions';
import { describeOnBothDatabases } from '@gochat/testkit';
import { settingsDocumentSchema } from '@gochat/user-settings';
import { beforeEach, expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String!) { sendMessage(channelId: $channelId, content: $content) { id } }`;
const STATE = 'channelId unread mentionCount mentionIds muted lastMessageId lastReadMessageId';
const UNREADS = `{ unreads { guilds { guildId unread mentionCount channels { ${STATE} } } directChannels { ${STATE} } } }`;
const ACK = `mutation($channelId: ID!, $messageId: ID!) { ackMessage(channelId: $channelId, messageId: $messageId) { ${STATE} } }`;
const HISTORY = `query($channelId: ID!) { messages(channelId: $channelId) { id } }`;

interface State {
  channelId: string;
  unread: boolean;
  mentionCount: number;
  mentionIds: string[];
  muted: boolean;
  lastMessageId: string | null;
}
interface Unreads {
  unreads: {
    guilds: { guildId: string; unread: boolean; mentionCount: number; channels: State[] }[];
    directChannels: State[];
  };
}

await describeOnBothDatabases('unreads under the viewer settings', openMessagesHarness, (h) => {
  let owner: string, me: string, guildId: string, roleId: string, text: string, other: string, dm: string;
  beforeEach(async () => {
    owner = await h.createUser('owner');
    me = await h.createUser('me');
    guildId = await h.seed.guild(owner);
    await h.seed.member(guildId, me);
    roleId = await h.seed.role(guildId, PERMISSIONS.VIEW_CHANNEL, [me]);
    text = await h.seed.channel(guildId);
    other = await h.seed.channel(guildId);
    dm = await h.seed.dm(owner, me);
  });

  /** Stores a settings document for `me` as updateSettings would (validated by the same schema). */
  const settle = (document: unknown) =>
    h.db
      .insert(userSettings)
      .values({ userId: me, version: 1, document: settingsDocumentSchema.parse(document) })
      .onConflictDoUpdate({
        target: userSettings.userId,
        set: { document: settingsDocumentSchema.parse(document) },
      });
  const send = async (channelId: string, content: string) =>
    (await h.ok<{ sendMessage: { id: string } }>(owner, SEND, { channelId, content })).sendMessage.id;
  const unreads = async () => (await h.ok<Unreads>(me, UNREADS)).unreads;
  const guild = async () => (await unreads()).guilds.find((g) => g.guildId === guildId)!;
  const channel = async (id: string) => (await guild()).channels.find((c) => c.channelId === id)!;

  it('a muted channel is not unread for badges but its mentions count, and it stays readable', async () => {
    await settle({ channels: { [text]: { muted: true } } });
    const plain = await send(text, 'hello');
    expect(await channel(text)).toMatchObject({
      unread: false,
      muted: true,
      mentionCount: 0,
      lastMessageId: plain,
    });
    expect(await guild()).toMatchObject({ unread: false, mentionCount: 0 });

    const mention = await send(text, `hey <@${me}>`);
    expect(await channel(text)).toMatchObject({
      unread: false,
      muted: true,
      mentionCount: 1,
      mentionIds: [mention],
    });
    expect(await guild()).toMatchObject({ unread: false, mentionCount: 1 });
    // The other channel is not muted: it counts.
    await send(other, 'elsewhere');
    expect(await channel(other)).toMatchObject({ unread: true, muted: false });
    expect((await guild()).unread).toBe(true);

    // Still readable: history and acks work as ever.
    const history = await h.ok<{ messages: { id: string }[] }>(me, HISTORY, { channelId: text });
    expect(history.messages.map((m) => m.id)).toEqual([mention, plain]);
    const acked = await h.ok<{ ackMessage: State }>(me, ACK, { channelId: text, messageId: mention });
    expect(acked.ackMessage).toMatchObject({ unread: false, mentionCount: 0, muted: true });
  });

  it('a muted guild mutes every channel; a timed mute that ended does not', async () => {
    await settle({ guilds: { [guildId]: { muted: true } } });
    await send(text, 'one');
    await send(other, 'two');
    expect(await guild()).toMatchObject({ unread: false });
    expect((await guild()).channels.every((c) => c.muted)).toBe(true);

    await settle({ guilds: { [guildId]: { muted: true, muteEndsAt: '2000-01-01T00:00:00.000Z' } } });
    expect(await guild()).toMatchObject({ unread: true });
    expect((await guild()).channels.some((c) => c.muted)).toBe(false);
  });

  it('level NOTHING: neither unread nor mentions; a thread inherits its channel', async () => {
    const thread = await h.seed.thread(guildId, text, me);
    // Unreads list the threads the viewer joined.
    await h.db.insert(threadMembers).values({ threadId: thread, userId: me });
    await settle({ channels: { [text]: { level: 'NOTHING' } } });
    await send(text, `hey <@${me}>`);
    await send(thread, `in the thread <@${me}>`);
    const t = await channel(text);
    expect(t).toMatchObject({ unread: false, mentionCount: 0, mentionIds: [], muted: false });
    expect(await channel(thread)).toMatchObject({ unread: false, mentionCount: 0 });
    // The thread's own setting wins over its channel's.
    await settle({ channels: { [text]: { level: 'NOTHING' }, [thread]: { level: 'ALL' } } });
    expect(await channel(thread)).toMatchObject({ unread: true, mentionCount: 1 });
  });

  it('suppressEveryone and suppressRoles leave those mention kinds out', async () => {
    await send(text, '@everyone look');
    await send(text, `<@&${roleId}> look`);
    await send(text, `<@${me}> look`);
    expect((await channel(text)).mentionCount).toBe(3);
    await settle({ guilds: { [guildId]: { suppressEveryone: true } } });
    expect((await channel(text)).mentionCount).toBe(2);
    await settle({ guilds: { [guildId]: { suppressEveryone: true, suppressRoles: true } } });
    expect(await channel(text)).toMatchObject({ mentionCount: 1, unread: true });
    expect((await guild()).mentionCount).toBe(1);
  });

  it('a muted DM is not unread; its mentions count', async () => {
    await settle({ channels: { [dm]: { muted: true } } });
    await send(dm, 'psst');
    const state = (await unreads()).directChannels.find((c) => c.channelId === dm)!;
    expect(state).toMatchObject({ unread: false, muted: true });
  });
});
