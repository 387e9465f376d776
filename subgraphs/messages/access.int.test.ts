import { guildMembers, messages, user } from '@gochat/drizzle';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String!) { sendMessage(channelId: $channelId, content: $content) { id content channel { id } author { id } } }`;
const HISTORY = `query($channelId: ID!) { messages(channelId: $channelId) { id content } }`;
const ONE = `query($channelId: ID!, $id: ID!) { message(channelId: $channelId, id: $id) { id content } }`;
const REF = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Channel { messages { id } } } }`;

type Sent = { sendMessage: { id: string; content: string; channel: { id: string }; author: { id: string } } };

const { VIEW_CHANNEL, SEND_MESSAGES, READ_MESSAGE_HISTORY, ADMINISTRATOR } = PERMISSIONS;

await describeOnBothDatabases('message access by permissions', openMessagesHarness, (h) => {
  let owner: string, member: string, outsider: string, admin: string, muted: string, trusted: string;
  let guildId: string, text: string;

  beforeAll(async () => {
    owner = await h.createUser('owner');
    member = await h.createUser('member');
    outsider = await h.createUser('outsider');
    admin = await h.createUser('admin');
    muted = await h.createUser('muted');
    trusted = await h.createUser('trusted');
    guildId = await h.seed.guild(owner);
    for (const u of [member, admin, trusted]) await h.seed.member(guildId, u);
    await h.seed.member(guildId, muted, new Date(Date.now() + 3_600_000));
    await h.seed.role(guildId, ADMINISTRATOR, [admin]);
    text = await h.seed.channel(guildId);
  });

  /** 'OK' or the error code of sending, reading history, and reading one message, as `who`. */
  async function outcomes(who: string | undefined, channelId: string, messageId: string) {
    return {
      send: codeOf(await h.as(who, SEND, { channelId, content: 'hi' })),
      read: codeOf(await h.as(who, HISTORY, { channelId })),
      one: codeOf(await h.as(who, ONE, { channelId, id: messageId })),
    };
  }
  const posted = async (channelId: string) =>
    (await h.ok<Sent>(owner, SEND, { channelId, content: 'seed' })).sendMessage.id;
  const every = (code: string) => ({ send: code, read: code, one: code });
  const ALL_OK = every('OK');
  const REFUSED = every('FORBIDDEN');
  const READ_ONLY = { send: 'FORBIDDEN', read: 'OK', one: 'OK' };
  /** The MessageCreated event of the message, once everything committed was published. */
  async function createdEvent(messageId: string) {
    await h.flush();
    return h.events.events.find((e) => (e.data as { messageId: string }).messageId === messageId);
  }

  it('members read and send in a plain text channel; outsiders and anonymous callers do not', async () => {
    const sent = (await h.ok<Sent>(member, SEND, { channelId: text, content: 'hello' })).sendMessage;
    expect(sent).toMatchObject({ content: 'hello', channel: { id: text }, author: { id: member } });
    expect(await outcomes(member, text, sent.id)).toEqual(ALL_OK);
    expect(await outcomes(owner, text, sent.id)).toEqual(ALL_OK);
    expect(await outcomes(outsider, text, sent.id)).toEqual(REFUSED);
    expect(await outcomes(undefined, text, sent.id)).toEqual(every('UNAUTHENTICATED'));
    expect(await createdEvent(sent.id)).toMatchObject({
      type: 'MessageCreated',
      subject: `channel.${guildId}.${text}.messages`,
      data: { channelId: text, guildId, authorId: member },
    });
  });

  it('an @everyone overwrite denying VIEW_CHANNEL hides the channel; a role or member allow restores it', async () => {
    const hidden = await h.seed.channel(guildId);
    await h.seed.overwrite(hidden, 'role', guildId, 0n, VIEW_CHANNEL);
    const id = await posted(hidden);
    expect(await outcomes(member, hidden, id)).toEqual(REFUSED);
    expect(await outcomes(owner, hidden, id)).toEqual(ALL_OK);
    expect(await outcomes(admin, hidden, id)).toEqual(ALL_OK);

    const staff = await h.seed.role(guildId, 0n, [trusted]);
    await h.seed.overwrite(hidden, 'role', staff, VIEW_CHANNEL, 0n);
    expect(await outcomes(trusted, hidden, id)).toEqual(ALL_OK);
    expect(await outcomes(member, hidden, id)).toMatchObject({ read: 'FORBIDDEN' });

    await h.seed.overwrite(hidden, 'member', member, VIEW_CHANNEL, 0n);
    expect(await outcomes(member, hidden, id)).toEqual(ALL_OK);
    // Nothing written by the refused attempts.
    const rows = await h.db.select().from(messages).where(eq(messages.channelId, hidden));
    expect(rows.filter((r) => r.authorId === member)).toHaveLength(1);
    expect(rows.filter((r) => r.authorId === trusted)).toHaveLength(1);
  });

  it('a member overwrite denying VIEW_CHANNEL beats a role allow', async () => {
    const channel = await h.seed.channel(guildId);
    const role = await h.seed.role(guildId, 0n, [member]);
    await h.seed.overwrite(channel, 'role', role, VIEW_CHANNEL, 0n);
    await h.seed.overwrite(channel, 'member', member, 0n, VIEW_CHANNEL);
    const id = await posted(channel);
    expect(await outcomes(member, channel, id)).toEqual(REFUSED);
  });

  it('a read-only channel lets members read but not send; without READ_MESSAGE_HISTORY they cannot read', async () => {
    const readOnly = await h.seed.channel(guildId);
    await h.seed.overwrite(readOnly, 'role', guildId, 0n, SEND_MESSAGES);
    const id = await posted(readOnly);
    expect(await outcomes(member, readOnly, id)).toEqual(READ_ONLY);

    const writeOnly = await h.seed.channel(guildId);
    await h.seed.overwrite(writeOnly, 'role', guildId, 0n, READ_MESSAGE_HISTORY);
    const other = await posted(writeOnly);
    expect(await outcomes(member, writeOnly, other)).toEqual({
      send: 'OK',
      read: 'FORBIDDEN',
      one: 'FORBIDDEN',
    });
  });

  it('a timed-out member reads but cannot send, until the timeout passes', async () => {
    const id = await posted(text);
    expect(await outcomes(muted, text, id)).toEqual(READ_ONLY);
    await h.db
      .update(guildMembers)
      .set({ timeoutUntil: new Date(Date.now() - 1_000) })
      .where(and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, muted)));
    expect(await outcomes(muted, text, id)).toEqual(ALL_OK);
  });

  it('voice channels and categories hold no messages (VALIDATION), and stay FORBIDDEN to non-viewers', async () => {
    const voice = await h.seed.channel(guildId, 'voice');
    const category = await h.seed.channel(guildId, 'category');
    expect(codeOf(await h.as(member, SEND, { channelId: voice, content: 'x' }))).toBe('VALIDATION');
    expect(codeOf(await h.as(owner, SEND, { channelId: category, content: 'x' }))).toBe('VALIDATION');
    expect(codeOf(await h.as(outsider, SEND, { channelId: voice, content: 'x' }))).toBe('FORBIDDEN');
    expect(await h.db.select().from(messages).where(eq(messages.channelId, voice))).toEqual([]);
  });

  it('checks access before content and refuses unknown or malformed channels', async () => {
    expect(codeOf(await h.as(outsider, SEND, { channelId: text, content: '' }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(member, SEND, { channelId: text, content: ' ' }))).toBe('VALIDATION');
    expect(codeOf(await h.as(member, SEND, { channelId: text, content: 'x'.repeat(2001) }))).toBe(
      'VALIDATION',
    );
    expect(codeOf(await h.as(member, SEND, { channelId: '123456789012345', content: 'x' }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await h.as(member, HISTORY, { channelId: '123456789012345' }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(member, SEND, { channelId: 'abc', content: 'x' }))).toBe('VALIDATION');
    expect(codeOf(await h.as(member, ONE, { channelId: text, id: '123456789012345' }))).toBe('NOT_FOUND');
  });

  it('DMs: participants read and send (guildId null in the event); others are refused', async () => {
    const dm = await h.seed.dm(member, outsider);
    const sent = (await h.ok<Sent>(outsider, SEND, { channelId: dm, content: 'psst' })).sendMessage;
    expect(await outcomes(member, dm, sent.id)).toEqual(ALL_OK);
    expect(await outcomes(owner, dm, sent.id)).toEqual(REFUSED);
    expect(await outcomes(admin, dm, sent.id)).toEqual(REFUSED);
    expect(await createdEvent(sent.id)).toMatchObject({
      type: 'MessageCreated',
      subject: `channel.dm.${dm}.messages`,
      data: { channelId: dm, guildId: null, authorId: outsider },
    });

    const group = await h.seed.groupDm(owner, [member, trusted]);
    const hello = (await h.ok<Sent>(trusted, SEND, { channelId: group, content: 'group hi' })).sendMessage;
    expect(await outcomes(owner, group, hello.id)).toEqual(ALL_OK);
    expect(await outcomes(outsider, group, hello.id)).toEqual(REFUSED);
  });

  it('a block either way stops sending in the 1:1 DM, not reading it; group DMs are unaffected', async () => {
    const [a, b, c] = await Promise.all([h.createUser('a'), h.createUser('b'), h.createUser('c')]);
    const dm = await h.seed.dm(a, b);
    const group = await h.seed.groupDm(a, [b, c]);
    const first = (await h.ok<Sent>(a, SEND, { channelId: dm, content: 'before' })).sendMessage;
    await h.seed.block(b, a);
    expect(await outcomes(a, dm, first.id)).toEqual(READ_ONLY);
    expect(await outcomes(b, dm, first.id)).toEqual(READ_ONLY);
    expect(codeOf(await h.as(a, SEND, { channelId: group, content: 'still here' }))).toBe('OK');
    expect(await h.db.select().from(messages).where(eq(messages.channelId, dm))).toHaveLength(1);
  });

  it('a 1:1 DM whose other user deleted their account refuses sends, not reads; group DMs stay writable', async () => {
    const [a, b, c] = await Promise.all([h.createUser('a'), h.createUser('b'), h.createUser('c')]);
    const dm = await h.seed.dm(a, b);
    const group = await h.seed.groupDm(a, [b, c]);
    const first = (await h.ok<Sent>(b, SEND, { channelId: dm, content: 'bye' })).sendMessage;
    // As the account deletion leaves the row (decision 0050): scrubbed, with deleted_at set.
    await h.db.update(user).set({ deletedAt: new Date() }).where(eq(user.id, b));
    const refused = await h.as(a, SEND, { channelId: dm, content: 'hello?' });
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.message).toBe("This user's account was deleted.");
    expect(await outcomes(a, dm, first.id)).toEqual(READ_ONLY);
    expect(await h.db.select().from(messages).where(eq(messages.channelId, dm))).toHaveLength(1);
    expect(codeOf(await h.as(a, SEND, { channelId: group, content: 'still here' }))).toBe('OK');
    expect(codeOf(await h.as(c, SEND, { channelId: group, content: 'me too' }))).toBe('OK');
    // Another DM of the same sender is unaffected.
    const fine = await h.seed.dm(a, c);
    expect(codeOf(await h.as(a, SEND, { channelId: fine, content: 'hi' }))).toBe('OK');
  });

  it('a router scope reads its own channel only, and never sends', async () => {
    const id = await posted(text);
    const other = await h.seed.channel(guildId);
    const scope = { kind: 'scope', scope: { channelId: text } } as const;
    expect(codeOf(await h.as(scope, HISTORY, { channelId: text }))).toBe('OK');
    expect(codeOf(await h.as(scope, ONE, { channelId: text, id }))).toBe('OK');
    // A message of another container is not found through this one.
    const elsewhere = await posted(other);
    expect(codeOf(await h.as(owner, ONE, { channelId: text, id: elsewhere }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(scope, HISTORY, { channelId: other }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(scope, SEND, { channelId: text, content: 'x' }))).toBe('UNAUTHENTICATED');
  });

  it('Channel.messages through a federation reference follows the same rules', async () => {
    const hidden = await h.seed.channel(guildId);
    await h.seed.overwrite(hidden, 'role', guildId, 0n, VIEW_CHANNEL);
    await posted(hidden);
    const reps = [{ __typename: 'Channel', id: hidden }];
    expect(codeOf(await h.as(owner, REF, { reps }))).toBe('OK');
    expect(codeOf(await h.as(member, REF, { reps }))).toBe('FORBIDDEN');
  });
});
