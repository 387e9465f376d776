import { mentions } from '@gochat/drizzle';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String) {
  sendMessage(channelId: $channelId, content: $content) { id } }`;
const DELETE = `mutation($channelId: ID!, $messageId: ID!) { deleteMessage(channelId: $channelId, messageId: $messageId) }`;
const THREAD = `mutation($channelId: ID!) { createThread(channelId: $channelId, name: "topic") { id } }`;
const INBOX = `query($guildId: ID, $before: ID, $limit: Int) {
  recentMentions(guildId: $guildId, before: $before, limit: $limit) { id channelId content author { id } } }`;
const UNREADS = `{ unreads {
  guilds { guildId channels { channelId mentionCount mentionIds } }
  directChannels { channelId mentionCount mentionIds } } }`;
const ACK = `mutation($channelId: ID!, $messageId: ID!) {
  ackMessage(channelId: $channelId, messageId: $messageId) { mentionCount mentionIds } }`;

interface InboxMessage {
  id: string;
  channelId: string;
  content: string;
  author: { id: string };
}
interface ReadStateView {
  channelId: string;
  mentionCount: number;
  mentionIds: string[];
}

const { VIEW_CHANNEL, READ_MESSAGE_HISTORY, MENTION_EVERYONE } = PERMISSIONS;

await describeOnBothDatabases('the mentions inbox', openMessagesHarness, (h) => {
  const send = async (who: string, channelId: string, content: string) =>
    (await h.ok<{ sendMessage: { id: string } }>(who, SEND, { channelId, content })).sendMessage.id;
  const inboxResult = (who: string | undefined, vars: Record<string, unknown> = {}) =>
    h.as<{ recentMentions: InboxMessage[] }>(who, INBOX, vars);
  const inbox = async (who: string, vars: Record<string, unknown> = {}) =>
    (await h.ok<{ recentMentions: InboxMessage[] }>(who, INBOX, vars)).recentMentions.map((m) => m.id);

  /** A fresh guild: its owner, the user whose inbox is looked at, another member, a role of the user's. */
  async function world() {
    const [owner, me, other] = await Promise.all([
      h.createUser('owner'),
      h.createUser('me'),
      h.createUser('other'),
    ]);
    const guildId = await h.seed.guild(owner);
    await h.seed.member(guildId, me);
    await h.seed.member(guildId, other);
    const role = await h.seed.role(guildId, 0n, [me]);
    const text = await h.seed.channel(guildId);
    return { owner, me, other, guildId, role, text };
  }

  it('lists direct, role, @everyone and @here mentions newest first, in channels, threads and DMs', async () => {
    const w = await world();
    const direct = await send(w.owner, w.text, `hi <@${w.me}>`);
    const byRole = await send(w.owner, w.text, `team <@&${w.role}>`);
    await send(w.owner, w.text, 'no mention');
    await send(w.other, w.text, `not you <@${w.owner}>`);
    const everyone = await send(w.owner, w.text, '@everyone look');
    const here = await send(w.owner, w.text, '@here look');
    // Without MENTION_EVERYONE, @everyone takes no effect and is no mention.
    await send(w.other, w.text, '@everyone from a member');
    const thread = (await h.ok<{ createThread: { id: string } }>(w.owner, THREAD, { channelId: w.text }))
      .createThread.id;
    const inThread = await send(w.owner, thread, `in a thread <@${w.me}>`);
    const dm = await h.seed.dm(w.other, w.me);
    const inDm = await send(w.other, dm, `psst <@${w.me}>`);
    // A message mentioning the user several ways appears once.
    const twice = await send(w.owner, w.text, `<@${w.me}> <@&${w.role}> @everyone`);

    const page = await inboxResult(w.me);
    expect(page.errors).toBeUndefined();
    const list = page.data?.recentMentions ?? [];
    expect(list.map((m) => m.id)).toEqual([twice, inDm, inThread, here, everyone, byRole, direct]);
    expect(list.find((m) => m.id === inThread)).toMatchObject({ channelId: thread, author: { id: w.owner } });
    expect(list.find((m) => m.id === inDm)).toMatchObject({ channelId: dm, content: `psst <@${w.me}>` });
    // @everyone reaches every reader; direct mentions only their target.
    expect(await inbox(w.other)).toEqual([twice, here, everyone]);
  });

  it('leaves out the caller’s own messages and deleted messages', async () => {
    const w = await world();
    await h.seed.role(w.guildId, MENTION_EVERYONE, [w.me]);
    await send(w.me, w.text, `my own <@&${w.role}> and @everyone and <@${w.me}>`);
    const kept = await send(w.owner, w.text, `<@${w.me}> kept`);
    const gone = await send(w.owner, w.text, `<@${w.me}> deleted`);
    expect(await inbox(w.me)).toEqual([gone, kept]);
    await h.ok(w.owner, DELETE, { channelId: w.text, messageId: gone });
    expect(await inbox(w.me)).toEqual([kept]);
    // Mention rows record who wrote the message.
    const rows = await h.db.select().from(mentions).where(eq(mentions.messageId, kept));
    expect(rows.map((r) => r.authorId)).toEqual([w.owner]);
  });

  it('shows only what the caller may read now: a channel they lost access to drops out', async () => {
    const w = await world();
    const secret = await h.seed.channel(w.guildId);
    const visible = await send(w.owner, w.text, `<@${w.me}> visible`);
    const hidden = await send(w.owner, secret, `<@${w.me}> secret`);
    const everyone = await send(w.owner, secret, '@everyone secret');
    expect(await inbox(w.me)).toEqual([everyone, hidden, visible]);

    // Losing READ_MESSAGE_HISTORY hides the channel's mentions (its threads' too), as does VIEW_CHANNEL.
    await h.seed.overwrite(secret, 'member', w.me, 0n, READ_MESSAGE_HISTORY);
    expect(await inbox(w.me)).toEqual([visible]);
    await h.seed.overwrite(w.text, 'role', w.role, 0n, VIEW_CHANNEL);
    expect(await inbox(w.me)).toEqual([]);
    // Others keep theirs.
    expect(await inbox(w.other)).toEqual([everyone]);
  });

  it('narrows to one guild, NOT_FOUND for a guild the caller is not in', async () => {
    const w = await world();
    const otherGuild = await h.seed.guild(w.other);
    await h.seed.member(otherGuild, w.me);
    const otherText = await h.seed.channel(otherGuild);
    const foreignGuild = await h.seed.guild(w.other);
    const foreignText = await h.seed.channel(foreignGuild);

    const inFirst = await send(w.owner, w.text, `<@${w.me}> first guild`);
    const inSecond = await send(w.other, otherText, `<@${w.me}> second guild`);
    const dm = await h.seed.dm(w.other, w.me);
    const inDm = await send(w.other, dm, `<@${w.me}> dm`);
    // Not a member there: the mention never took effect, and the guild is not readable anyway.
    await send(w.other, foreignText, `<@${w.me}> foreign`);

    expect(await inbox(w.me)).toEqual([inDm, inSecond, inFirst]);
    expect(await inbox(w.me, { guildId: w.guildId })).toEqual([inFirst]);
    expect(await inbox(w.me, { guildId: otherGuild })).toEqual([inSecond]);
    expect(codeOf(await inboxResult(w.me, { guildId: foreignGuild }))).toBe('NOT_FOUND');
    expect(codeOf(await inboxResult(w.me, { guildId: h.ids.next() }))).toBe('NOT_FOUND');
    expect(codeOf(await inboxResult(w.me, { guildId: 'nope' }))).toBe('VALIDATION');

    // A user in no guild has an empty inbox, and no guild to narrow to.
    const outsider = await h.createUser('outsider');
    expect(await inbox(outsider)).toEqual([]);
    expect(codeOf(await inboxResult(outsider, { guildId: w.guildId }))).toBe('NOT_FOUND');
    expect(codeOf(await inboxResult(undefined))).toBe('UNAUTHENTICATED');
  });

  it('pages with before, within limit bounds (1-100, default 25)', async () => {
    const w = await world();
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) sent.push(await send(w.owner, w.text, `<@${w.me}> number ${i}`));
    const newestFirst = [...sent].reverse();

    expect(await inbox(w.me)).toEqual(newestFirst.slice(0, 25));
    const first = await inbox(w.me, { limit: 10 });
    expect(first).toEqual(newestFirst.slice(0, 10));
    const second = await inbox(w.me, { limit: 10, before: first.at(-1) });
    expect(second).toEqual(newestFirst.slice(10, 20));
    expect(await inbox(w.me, { limit: 100, before: second.at(-1) })).toEqual(newestFirst.slice(20));
    expect(await inbox(w.me, { before: sent[0] })).toEqual([]);
    expect(await inbox(w.me, { limit: 100 })).toEqual(newestFirst);

    for (const limit of [0, -1, 101]) expect(codeOf(await inboxResult(w.me, { limit }))).toBe('VALIDATION');
    expect(codeOf(await inboxResult(w.me, { before: 'x' }))).toBe('VALIDATION');
  });

  it('lists unread mentions per channel as message ids next to the count', async () => {
    const w = await world();
    const one = await send(w.owner, w.text, `<@${w.me}> one`);
    const two = await send(w.owner, w.text, `<@&${w.role}> two`);
    await send(w.owner, w.text, 'nothing');
    const dm = await h.seed.dm(w.other, w.me);
    const inDm = await send(w.other, dm, `<@${w.me}> dm`);

    const { unreads } = await h.ok<{
      unreads: { guilds: { guildId: string; channels: ReadStateView[] }[]; directChannels: ReadStateView[] };
    }>(w.me, UNREADS);
    const channel = unreads.guilds
      .find((g) => g.guildId === w.guildId)
      ?.channels.find((c) => c.channelId === w.text);
    expect(channel).toMatchObject({ mentionCount: 2, mentionIds: [two, one] });
    expect(unreads.directChannels.find((c) => c.channelId === dm)).toMatchObject({
      mentionCount: 1,
      mentionIds: [inDm],
    });

    const acked = await h.ok<{ ackMessage: ReadStateView }>(w.me, ACK, { channelId: w.text, messageId: one });
    expect(acked.ackMessage).toEqual({ mentionCount: 1, mentionIds: [two] });
  });

  it('bounds mentionIds to the newest 100', async () => {
    const w = await world();
    const first = await send(w.owner, w.text, `<@${w.me}> first`);
    // Mention rows written directly: 101 more mentioning messages would be slow to send one by one.
    const ids = Array.from({ length: 101 }, () => h.ids.next());
    await h.db.insert(mentions).values(
      ids.map((messageId) => ({
        channelId: w.text,
        messageId,
        targetType: 'user' as const,
        targetId: w.me,
        parentChannelId: w.text,
        authorId: w.owner,
      })),
    );
    const acked = await h.ok<{ ackMessage: ReadStateView }>(w.me, ACK, {
      channelId: w.text,
      messageId: first,
    });
    expect(acked.ackMessage.mentionCount).toBe(101);
    expect(acked.ackMessage.mentionIds).toEqual([...ids].reverse().slice(0, 100));
  });
});
