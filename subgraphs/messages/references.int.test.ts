import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases, type Caller } from '@gochat/testkit';
import { expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const { READ_MESSAGE_HISTORY } = PERMISSIONS;

const REFERENCE = 'messageId channelId deleted message { id content }';
const THREAD = `query($id: ID!) { thread(id: $id) { id starterMessage {
  ${REFERENCE} message { replyTo { ${REFERENCE} } } } } }`;
const MESSAGE = `query($channelId: ID!, $id: ID!) { message(channelId: $channelId, id: $id) {
  id replyTo { ${REFERENCE} } } }`;
const CREATE_THREAD = `mutation($channelId: ID!, $messageId: ID!) {
  createThread(channelId: $channelId, messageId: $messageId, name: "topic") { id } }`;
const DELETE = `mutation($channelId: ID!, $messageId: ID!) { deleteMessage(channelId: $channelId, messageId: $messageId) }`;

interface Reference {
  messageId: string;
  channelId: string;
  deleted: boolean;
  message: { id: string; content: string; replyTo?: Reference | null } | null;
}
type ThreadView = { thread: { id: string; starterMessage: Reference | null } };

/*
 * MessageReference (Thread.starterMessage, Message.replyTo) shows the referenced message by the rule of
 * messages(): VIEW_CHANNEL and READ_MESSAGE_HISTORY where it lives. A thread's viewer needs only
 * VIEW_CHANNEL, so without history they see that a starter exists, and whether it was deleted, but
 * not the message.
 */
await describeOnBothDatabases('message references', openMessagesHarness, (h) => {
  /** A text channel whose @everyone may view but not read history; a Historians role may. */
  async function world() {
    const [owner, viewer, historian] = await Promise.all(
      ['owner', 'viewer', 'historian'].map((n) => h.createUser(n)),
    );
    const guildId = await h.seed.guild(owner!);
    for (const u of [viewer!, historian!]) await h.seed.member(guildId, u);
    const historians = await h.seed.role(guildId, 0n, [historian!]);
    const text = await h.seed.channel(guildId);
    await h.seed.overwrite(text, 'role', guildId, 0n, READ_MESSAGE_HISTORY);
    await h.seed.overwrite(text, 'role', historians, READ_MESSAGE_HISTORY, 0n);
    return { owner: owner!, viewer: viewer!, historian: historian!, guildId, text };
  }
  type World = Awaited<ReturnType<typeof world>>;

  /** A message written straight to the timeline, optionally a reply. */
  async function seedMessage(w: World, content: string, replyToId: string | null = null): Promise<string> {
    const message = {
      id: h.ids.next(),
      channelId: w.text,
      parentChannelId: w.text,
      guildId: w.guildId,
      authorId: w.owner,
      kind: 'default' as const,
      content,
      replyToId,
      mentions: NO_MENTIONS,
      attachments: [],
    };
    await h.db.transaction((tx) => createPostgresTimeline(h.db).stage(tx, 'seed', { op: 'insert', message }));
    return message.id;
  }

  /** An old message, a reply to it, and a thread started from the reply. */
  async function threadFromReply(w: World) {
    const original = await seedMessage(w, 'the old secret');
    const reply = await seedMessage(w, 'a reply to the secret', original);
    const { createThread } = await h.ok<{ createThread: { id: string } }>(w.owner, CREATE_THREAD, {
      channelId: w.text,
      messageId: reply,
    });
    return { original, reply, threadId: createThread.id };
  }

  const starterAs = async (who: Caller, threadId: string) =>
    (await h.ok<ThreadView>(who, THREAD, { id: threadId })).thread.starterMessage;

  it("hides a thread's starter message, and its reply chain, from a viewer without READ_MESSAGE_HISTORY", async () => {
    const w = await world();
    const { original, reply, threadId } = await threadFromReply(w);
    // The viewer may see the thread (VIEW_CHANNEL) but not the channel's history.
    expect(codeOf(await h.as(w.viewer, MESSAGE, { channelId: w.text, id: reply }))).toBe('FORBIDDEN');
    expect(await starterAs(w.viewer, threadId)).toEqual({
      messageId: reply,
      channelId: w.text,
      deleted: false,
      message: null,
    });

    // Those who may read the history see the starter, and what it replies to.
    for (const reader of [w.historian, w.owner])
      expect(await starterAs(reader, threadId)).toEqual({
        messageId: reply,
        channelId: w.text,
        deleted: false,
        message: {
          id: reply,
          content: 'a reply to the secret',
          replyTo: {
            messageId: original,
            channelId: w.text,
            deleted: false,
            message: { id: original, content: 'the old secret' },
          },
        },
      });
  });

  it('keeps `deleted` truthful for everyone, with no message either way once it is gone', async () => {
    const w = await world();
    const { original, reply, threadId } = await threadFromReply(w);
    await h.ok(w.owner, DELETE, { channelId: w.text, messageId: original });
    const replied = await h.ok<{ message: { replyTo: Reference } }>(w.historian, MESSAGE, {
      channelId: w.text,
      id: reply,
    });
    expect(replied.message.replyTo).toEqual({
      messageId: original,
      channelId: w.text,
      deleted: true,
      message: null,
    });

    await h.ok(w.owner, DELETE, { channelId: w.text, messageId: reply });
    for (const who of [w.viewer, w.historian])
      expect(await starterAs(who, threadId)).toEqual({
        messageId: reply,
        channelId: w.text,
        deleted: true,
        message: null,
      });
  });

  it("shows the starter to a router hydration scoped to the thread (the parent's permissions are the thread's)", async () => {
    const w = await world();
    const { reply, threadId } = await threadFromReply(w);
    const scoped = { kind: 'scope' as const, scope: { channelId: threadId } };
    expect((await starterAs(scoped, threadId))?.message?.id).toBe(reply);
    // A scope on another container reads nothing here.
    const elsewhere = { kind: 'scope' as const, scope: { channelId: await h.seed.channel(w.guildId) } };
    expect(codeOf(await h.as(elsewhere, THREAD, { id: threadId }))).toBe('FORBIDDEN');
  });
});
