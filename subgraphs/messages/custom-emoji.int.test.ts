import { emojis } from '@gochat/drizzle';
import { describeOnBothDatabases } from '@gochat/testkit';
import { beforeAll, expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String) {
  sendMessage(channelId: $channelId, content: $content) { id content } }`;
const EDIT = `mutation($channelId: ID!, $messageId: ID!, $content: String!) {
  editMessage(channelId: $channelId, messageId: $messageId, content: $content) { id content } }`;
const ONE = `query($channelId: ID!, $id: ID!) { message(channelId: $channelId, id: $id) { content } }`;

await describeOnBothDatabases('custom emoji in message text', openMessagesHarness, (h) => {
  let owner: string, member: string, stranger: string;
  let text: string, dm: string;
  let own: string, animated: string, foreign: string;

  beforeAll(async () => {
    [owner, member, stranger] = await Promise.all([
      h.createUser('owner'),
      h.createUser('member'),
      h.createUser('stranger'),
    ]);
    const guildId = await h.seed.guild(owner);
    await h.seed.member(guildId, member);
    text = await h.seed.channel(guildId);
    // A guild the member is not in, with its own emoji.
    const elsewhere = await h.seed.guild(stranger);
    dm = await h.seed.dm(member, stranger);
    const emoji = async (guild: string, name: string, isAnimated = false) => {
      const id = h.ids.next();
      await h.db.insert(emojis).values({ id, guildId: guild, name, animated: isAnimated, assetRef: 'asset' });
      return id;
    };
    own = await emoji(guildId, 'blob');
    animated = await emoji(guildId, 'dance', true);
    foreign = await emoji(elsewhere, 'alien');
  });

  const send = async (who: string, channelId: string, content: string) =>
    (await h.ok<{ sendMessage: { id: string; content: string } }>(who, SEND, { channelId, content }))
      .sendMessage;
  const stored = async (who: string, channelId: string, id: string) =>
    (await h.ok<{ message: { content: string } }>(who, ONE, { channelId, id })).message.content;

  it('keeps the emoji of the sender’s guilds, static and animated', async () => {
    const content = `hi <:blob:${own}> and <a:dance:${animated}>`;
    const sent = await send(member, text, content);
    expect(sent.content).toBe(content);
    expect(await stored(owner, text, sent.id)).toBe(content);
  });

  it('rewrites emoji of a guild the sender is not in, and unknown emoji, to :name:', async () => {
    const unknown = h.ids.next();
    const sent = await send(member, text, `<:alien:${foreign}> <a:ghost:${unknown}> <:blob:${own}>`);
    expect(sent.content).toBe(`:alien: :ghost: <:blob:${own}>`);
    expect(await stored(owner, text, sent.id)).toBe(`:alien: :ghost: <:blob:${own}>`);
  });

  it('leaves malformed tags as text', async () => {
    const content = `<:x:${own}> <:blob:> <blob:${own}> <:bl ob:${own}> <:blob:0${own}> <:blob:12ab>`;
    expect((await send(member, text, content)).content).toBe(content);
  });

  it('decides in DMs by membership of the emoji’s guild', async () => {
    const mine = await send(member, dm, `<:blob:${own}> <:alien:${foreign}>`);
    expect(mine.content).toBe(`<:blob:${own}> :alien:`);
    const theirs = await send(stranger, dm, `<:blob:${own}> <:alien:${foreign}>`);
    expect(theirs.content).toBe(`:blob: <:alien:${foreign}>`);
  });

  it('applies on edit too', async () => {
    const sent = await send(member, text, 'plain');
    const edited = await h.ok<{ editMessage: { content: string } }>(member, EDIT, {
      channelId: text,
      messageId: sent.id,
      content: `<a:dance:${animated}> <:alien:${foreign}> <:x:1>`,
    });
    expect(edited.editMessage.content).toBe(`<a:dance:${animated}> :alien: <:x:1>`);
    expect(await stored(owner, text, sent.id)).toBe(`<a:dance:${animated}> :alien: <:x:1>`);
  });
});
