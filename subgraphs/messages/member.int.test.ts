import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { describeOnBothDatabases } from '@gochat/testkit';
import { expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String!) { sendMessage(channelId: $channelId, content: $content) { id } }`;
const HISTORY = `query($channelId: ID!) { messages(channelId: $channelId) { id kind member { guildId userId } } }`;

interface Page {
  messages: { id: string; kind: string; member: { guildId: string; userId: string } | null }[];
}

// Message.member is a stub of the guilds subgraph's Member entity (resolved there, one batch per page).
await describeOnBothDatabases('Message.member', openMessagesHarness, (h) => {
  async function world() {
    const owner = await h.createUser();
    const friend = await h.createUser();
    const guildId = await h.seed.guild(owner);
    const channelId = await h.seed.channel(guildId);
    const threadId = await h.seed.thread(guildId, channelId, owner);
    const dmId = await h.seed.dm(owner, friend);
    return { owner, friend, guildId, channelId, threadId, dmId };
  }
  const send = (who: string, channelId: string) =>
    h.ok<{ sendMessage: { id: string } }>(who, SEND, { channelId, content: 'hello' });
  const history = async (who: string, channelId: string) =>
    (await h.ok<Page>(who, HISTORY, { channelId })).messages;

  it("names the author's membership of the guild, in channels and in threads", async () => {
    const w = await world();
    await send(w.owner, w.channelId);
    await send(w.owner, w.threadId);
    for (const container of [w.channelId, w.threadId])
      expect((await history(w.owner, container)).map((m) => m.member)).toEqual([
        { guildId: w.guildId, userId: w.owner },
      ]);
  });

  it('is null in DMs and for system messages', async () => {
    const w = await world();
    await send(w.friend, w.dmId);
    expect((await history(w.owner, w.dmId)).map((m) => m.member)).toEqual([null]);

    const join = {
      id: h.ids.next(),
      channelId: w.channelId,
      parentChannelId: w.channelId,
      guildId: w.guildId,
      authorId: w.owner,
      kind: 'guild_member_join' as const,
      content: '',
      replyToId: null,
      mentions: NO_MENTIONS,
      attachments: [],
    };
    await h.db.transaction((tx) =>
      createPostgresTimeline(h.db).stage(tx, 'seed', { op: 'insert', message: join }),
    );
    expect(await history(w.owner, w.channelId)).toEqual([
      { id: join.id, kind: 'GUILD_MEMBER_JOIN', member: null },
    ]);
  });
});
