import { threadMembers, threads } from '@gochat/drizzle';
import { createPostgresTimeline, NO_MENTIONS } from '@gochat/message-store';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { Lifecycle } from '@gochat/lifecycle';
import { silentLogger } from '@gochat/log';
import { createMemoryStore } from '@gochat/cache';
import { eq } from 'drizzle-orm';
import { expect, it, vi } from 'vitest';

import { createMessagesRole } from './role.ts';
import { createMessagesStores } from './store/index.ts';
import { openMessagesHarness } from './test-harness.ts';

const { VIEW_CHANNEL, CREATE_THREADS, MANAGE_THREADS, READ_MESSAGE_HISTORY } = PERMISSIONS;

const THREAD = `id name parentChannel { id } owner { id } starterMessage { messageId channelId }
  autoArchiveMinutes archived archivedAt locked memberCount joined createdAt lastActivityAt
  members { user { id } joinedAt }`;
const CREATE = `mutation($channelId: ID!, $name: String!, $messageId: ID, $minutes: Int) {
  createThread(channelId: $channelId, name: $name, messageId: $messageId, autoArchiveMinutes: $minutes) { ${THREAD} } }`;
const UPDATE = `mutation($threadId: ID!, $name: String, $minutes: Int, $archived: Boolean, $locked: Boolean) {
  updateThread(threadId: $threadId, name: $name, autoArchiveMinutes: $minutes, archived: $archived, locked: $locked) { ${THREAD} } }`;
const JOIN = `mutation($threadId: ID!) { joinThread(threadId: $threadId) { id joined memberCount } }`;
const LEAVE = `mutation($threadId: ID!) { leaveThread(threadId: $threadId) { id joined memberCount } }`;
const GET = `query($id: ID!) { thread(id: $id) { ${THREAD} } }`;
const MEMBERS = `query($id: ID!, $limit: Int, $after: ID) { thread(id: $id) { members(limit: $limit, after: $after) { user { id } } } }`;
const LIST = `query($reps: [_Any!]!, $archived: Boolean, $limit: Int, $before: ID) { _entities(representations: $reps) {
  ... on Channel { threads(archived: $archived, limit: $limit, before: $before) { id archived } } } }`;
const HISTORY = `query($channelId: ID!) { messages(channelId: $channelId) { id channelId channel { id } thread { id name } } }`;
const MESSAGE = `query($channelId: ID!, $id: ID!) { message(channelId: $channelId, id: $id) { id startedThread { id name } thread { id } } }`;

interface ThreadView {
  id: string;
  name: string;
  parentChannel: { id: string };
  owner: { id: string } | null;
  starterMessage: { messageId: string; channelId: string } | null;
  autoArchiveMinutes: number;
  archived: boolean;
  archivedAt: string | null;
  locked: boolean;
  memberCount: number;
  joined: boolean;
  createdAt: string;
  lastActivityAt: string;
  members: { user: { id: string }; joinedAt: string }[];
}
type Membership = { id: string; joined: boolean; memberCount: number };

await describeOnBothDatabases('threads', openMessagesHarness, (h, database) => {
  /** A guild with one caller of each kind and a text channel. */
  async function world() {
    const [owner, member, other, manager, outsider, muted] = await Promise.all(
      ['owner', 'member', 'other', 'manager', 'outsider', 'muted'].map((n) => h.createUser(n)),
    );
    const guildId = await h.seed.guild(owner!);
    for (const u of [member!, other!, manager!]) await h.seed.member(guildId, u);
    await h.seed.member(guildId, muted!, new Date(Date.now() + 3_600_000));
    await h.seed.role(guildId, MANAGE_THREADS, [manager!]);
    const text = await h.seed.channel(guildId);
    return {
      owner: owner!,
      member: member!,
      other: other!,
      manager: manager!,
      outsider: outsider!,
      muted: muted!,
      guildId,
      text,
    };
  }
  type World = Awaited<ReturnType<typeof world>>;

  const create = (who: string | undefined, vars: Record<string, unknown>) =>
    h.as<{ createThread: ThreadView }>(who, CREATE, vars);
  async function thread(w: World, who = w.member, vars: Record<string, unknown> = {}): Promise<ThreadView> {
    return (
      await h.ok<{ createThread: ThreadView }>(who, CREATE, { channelId: w.text, name: 'topic', ...vars })
    ).createThread;
  }
  const update = (who: string | undefined, threadId: string, vars: Record<string, unknown>) =>
    h.as<{ updateThread: ThreadView }>(who, UPDATE, { threadId, ...vars });
  const get = async (who: string, id: string) =>
    (await h.ok<{ thread: ThreadView }>(who, GET, { id })).thread;
  const list = async (who: string, channelId: string, vars: Record<string, unknown> = {}) =>
    h.as<{ _entities: { threads: { id: string; archived: boolean }[] }[] }>(who, LIST, {
      reps: [{ __typename: 'Channel', id: channelId }],
      ...vars,
    });
  const listed = async (who: string, channelId: string, vars: Record<string, unknown> = {}) =>
    ((await list(who, channelId, vars)).data?._entities[0]?.threads ?? []).map((t) => t.id);

  /** A message written straight to the timeline (sending is another area's). */
  async function seedMessage(w: World, containerId: string, parentChannelId = containerId): Promise<string> {
    const message = {
      id: h.ids.next(),
      channelId: containerId,
      parentChannelId,
      guildId: w.guildId,
      authorId: w.owner,
      kind: 'default' as const,
      content: 'seed',
      replyToId: null,
      mentions: NO_MENTIONS,
      attachments: [],
    };
    await h.db.transaction((tx) => createPostgresTimeline(h.db).stage(tx, 'seed', { op: 'insert', message }));
    return message.id;
  }

  /** Events about the thread, published once everything committed went out. */
  async function eventsOf(threadId: string) {
    await h.flush();
    return h.events.events.filter((e) => (e.data as { threadId?: string }).threadId === threadId);
  }

  const threadRows = (parentId: string) => h.db.select().from(threads).where(eq(threads.parentId, parentId));
  const idle = (threadId: string, hours: number) =>
    h.db
      .update(threads)
      .set({ lastActivityAt: new Date(Date.now() - hours * 3_600_000) })
      .where(eq(threads.id, threadId));

  it('createThread: members create standalone threads and join them; ThreadCreated after commit', async () => {
    const w = await world();
    const t = (await create(w.member, { channelId: w.text, name: '  Plans  ' })).data!.createThread;
    expect(t).toMatchObject({
      name: 'Plans',
      parentChannel: { id: w.text },
      owner: { id: w.member },
      starterMessage: null,
      autoArchiveMinutes: 1440,
      archived: false,
      archivedAt: null,
      locked: false,
      memberCount: 1,
      joined: true,
      members: [{ user: { id: w.member } }],
    });
    expect(t.lastActivityAt).toBe(t.createdAt);
    expect(await eventsOf(t.id)).toMatchObject([
      {
        type: 'ThreadCreated',
        // Thread events go to the parent channel's subject.
        subject: `channel.${w.guildId}.${w.text}.messages`,
        data: {
          guildId: w.guildId,
          threadId: t.id,
          parentChannelId: w.text,
          ownerId: w.member,
          starterMessageId: null,
        },
      },
    ]);
    expect((await thread(w, w.owner, { minutes: 60 })).autoArchiveMinutes).toBe(60);
    expect((await thread(w, w.manager, { minutes: 10080 })).autoArchiveMinutes).toBe(10080);
  });

  it('createThread refuses outsiders, anonymous and timed-out callers, and members lacking CREATE_THREADS', async () => {
    const w = await world();
    expect(codeOf(await create(w.outsider, { channelId: w.text, name: 'x' }))).toBe('FORBIDDEN');
    expect(codeOf(await create(undefined, { channelId: w.text, name: 'x' }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await create(w.muted, { channelId: w.text, name: 'x' }))).toBe('FORBIDDEN');

    const noThreads = await h.seed.channel(w.guildId);
    await h.seed.overwrite(noThreads, 'role', w.guildId, 0n, CREATE_THREADS);
    expect(codeOf(await create(w.member, { channelId: noThreads, name: 'x' }))).toBe('FORBIDDEN');
    expect(codeOf(await create(w.owner, { channelId: noThreads, name: 'x' }))).toBe('OK');
    expect(await threadRows(noThreads)).toHaveLength(1);

    const hidden = await h.seed.channel(w.guildId);
    await h.seed.overwrite(hidden, 'member', w.member, 0n, VIEW_CHANNEL);
    expect(codeOf(await create(w.member, { channelId: hidden, name: 'x' }))).toBe('FORBIDDEN');
    expect(await threadRows(w.text)).toEqual([]);
  });

  it('createThread: guild text channels only, valid names and durations', async () => {
    const w = await world();
    const voice = await h.seed.channel(w.guildId, 'voice');
    const category = await h.seed.channel(w.guildId, 'category');
    const dm = await h.seed.dm(w.member, w.other);
    const parent = await thread(w);
    for (const channelId of [voice, category, dm, parent.id])
      expect(codeOf(await create(w.member, { channelId, name: 'x' }))).toBe('VALIDATION');
    // Not a participant of the DM: refused before its kind is told.
    expect(codeOf(await create(w.owner, { channelId: dm, name: 'x' }))).toBe('FORBIDDEN');
    expect(codeOf(await create(w.member, { channelId: '123456789012345', name: 'x' }))).toBe('NOT_FOUND');
    expect(codeOf(await create(w.member, { channelId: 'nope', name: 'x' }))).toBe('VALIDATION');
    for (const name of ['', '   ', 'x'.repeat(101)])
      expect(codeOf(await create(w.member, { channelId: w.text, name }))).toBe('VALIDATION');
    for (const minutes of [0, 30, 1441, 20000])
      expect(codeOf(await create(w.member, { channelId: w.text, name: 'x', minutes }))).toBe('VALIDATION');
    expect((await thread(w, w.member, { name: 'y'.repeat(100) })).name).toHaveLength(100);
    expect(await threadRows(w.text)).toHaveLength(2);
  });

  it('from a message: one thread per message, the message must be in the channel, READ_MESSAGE_HISTORY needed', async () => {
    const w = await world();
    const messageId = await seedMessage(w, w.text);
    const t = await thread(w, w.member, { messageId, name: 'about that' });
    expect(t.starterMessage).toEqual({ messageId, channelId: w.text });
    expect(await eventsOf(t.id)).toMatchObject([
      { type: 'ThreadCreated', data: { starterMessageId: messageId } },
    ]);
    expect(codeOf(await create(w.owner, { channelId: w.text, name: 'again', messageId }))).toBe('CONFLICT');

    const seen = await h.ok<{
      message: { startedThread: { id: string; name: string } | null; thread: null };
    }>(w.other, MESSAGE, { channelId: w.text, id: messageId });
    expect(seen.message).toMatchObject({ startedThread: { id: t.id, name: 'about that' }, thread: null });
    const plain = await seedMessage(w, w.text);
    expect(
      (await h.ok<{ message: { startedThread: null } }>(w.other, MESSAGE, { channelId: w.text, id: plain }))
        .message.startedThread,
    ).toBeNull();

    const elsewhere = await seedMessage(w, await h.seed.channel(w.guildId));
    expect(codeOf(await create(w.member, { channelId: w.text, name: 'x', messageId: elsewhere }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await create(w.member, { channelId: w.text, name: 'x', messageId: h.ids.next() }))).toBe(
      'NOT_FOUND',
    );

    const noHistory = await h.seed.channel(w.guildId);
    await h.seed.overwrite(noHistory, 'role', w.guildId, 0n, READ_MESSAGE_HISTORY);
    const unread = await seedMessage(w, noHistory);
    expect(codeOf(await create(w.member, { channelId: noHistory, name: 'x', messageId: unread }))).toBe(
      'FORBIDDEN',
    );
    expect(codeOf(await create(w.member, { channelId: noHistory, name: 'standalone' }))).toBe('OK');
    expect(await threadRows(w.text)).toHaveLength(1);
  });

  if (database === 'postgres')
    it('concurrent creations from one message make exactly one thread (real PostgreSQL)', async () => {
      const w = await world();
      const messageId = await seedMessage(w, w.text);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          create(i % 2 ? w.member : w.owner, { channelId: w.text, name: `race ${i}`, messageId }),
        ),
      );
      const codes = results.map(codeOf);
      expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
      expect(codes.filter((c) => c === 'CONFLICT')).toHaveLength(5);
      expect(await threadRows(w.text)).toHaveLength(1);
      const winner = results.find((r) => r.data)!.data!.createThread;
      expect(await eventsOf(winner.id)).toHaveLength(1);
    });

  it('Query.thread: readers of the parent channel; NOT_FOUND for unknown ids and for channels', async () => {
    const w = await world();
    const t = await thread(w);
    expect((await get(w.other, t.id)).joined).toBe(false);
    expect((await get(w.member, t.id)).joined).toBe(true);
    expect(codeOf(await h.as(w.outsider, GET, { id: t.id }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(undefined, GET, { id: t.id }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await h.as(w.member, GET, { id: h.ids.next() }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(w.member, GET, { id: w.text }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(w.member, GET, { id: 'x' }))).toBe('VALIDATION');
    const ref = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Thread { name } } }`;
    expect(await h.ok(w.other, ref, { reps: [{ __typename: 'Thread', id: t.id }] })).toEqual({
      _entities: [{ name: 'topic' }],
    });
    expect(codeOf(await h.as(w.outsider, ref, { reps: [{ __typename: 'Thread', id: t.id }] }))).toBe(
      'FORBIDDEN',
    );
  });

  it('permissions are inherited: thread messages read through Query.messages, hidden with the parent', async () => {
    const w = await world();
    const t = await thread(w);
    const inThread = await seedMessage(w, t.id, w.text);
    const history = (who: string) =>
      h.as<{ messages: Record<string, unknown>[] }>(who, HISTORY, { channelId: t.id });
    expect((await history(w.other)).data?.messages).toEqual([
      { id: inThread, channelId: t.id, channel: { id: w.text }, thread: { id: t.id, name: 'topic' } },
    ]);
    // The parent's history holds only its own messages.
    expect((await h.ok<{ messages: unknown[] }>(w.other, HISTORY, { channelId: w.text })).messages).toEqual(
      [],
    );
    expect(codeOf(await history(w.outsider))).toBe('FORBIDDEN');
    expect(codeOf(await history(w.muted))).toBe('OK');

    await h.seed.overwrite(w.text, 'member', w.other, 0n, VIEW_CHANNEL);
    expect(codeOf(await history(w.other))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(w.other, GET, { id: t.id }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(w.other, JOIN, { threadId: t.id }))).toBe('FORBIDDEN');
    expect(codeOf(await list(w.other, w.text))).toBe('FORBIDDEN');

    await h.seed.overwrite(w.text, 'member', w.manager, 0n, READ_MESSAGE_HISTORY);
    expect(codeOf(await history(w.manager))).toBe('FORBIDDEN');
    expect((await get(w.manager, t.id)).name).toBe('topic');
  });

  it('join and leave: idempotent, with a member list and events only on change', async () => {
    const w = await world();
    const t = await thread(w);
    const join = (who: string) => h.as<{ joinThread: Membership }>(who, JOIN, { threadId: t.id });
    const leave = (who: string) => h.as<{ leaveThread: Membership }>(who, LEAVE, { threadId: t.id });
    expect((await join(w.other)).data?.joinThread).toEqual({ id: t.id, joined: true, memberCount: 2 });
    expect((await join(w.other)).data?.joinThread).toEqual({ id: t.id, joined: true, memberCount: 2 });
    expect((await join(w.owner)).data?.joinThread.memberCount).toBe(3);
    expect(codeOf(await join(w.outsider))).toBe('FORBIDDEN');
    expect(codeOf(await join(w.muted))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(undefined, JOIN, { threadId: t.id }))).toBe('UNAUTHENTICATED');

    const everyone = [w.member, w.other, w.owner].sort();
    const page = async (vars: Record<string, unknown>) =>
      (
        await h.ok<{ thread: { members: { user: { id: string } }[] } }>(w.manager, MEMBERS, {
          id: t.id,
          ...vars,
        })
      ).thread.members.map((m) => m.user.id);
    expect(await page({})).toEqual(everyone);
    expect(await page({ limit: 2 })).toEqual(everyone.slice(0, 2));
    expect(await page({ limit: 2, after: everyone[1] })).toEqual(everyone.slice(2));
    expect(codeOf(await h.as(w.manager, MEMBERS, { id: t.id, limit: 0 }))).toBe('VALIDATION');
    expect(codeOf(await h.as(w.manager, MEMBERS, { id: t.id, limit: 101 }))).toBe('VALIDATION');

    expect((await leave(w.other)).data?.leaveThread).toEqual({ id: t.id, joined: false, memberCount: 2 });
    expect((await leave(w.other)).data?.leaveThread).toEqual({ id: t.id, joined: false, memberCount: 2 });
    expect(codeOf(await leave(w.outsider))).toBe('FORBIDDEN');

    const members = (await eventsOf(t.id)).filter((e) => e.type === 'ThreadMembersUpdated');
    expect(members.map((e) => e.data)).toEqual([
      { guildId: w.guildId, threadId: t.id, userId: w.other, joined: true },
      { guildId: w.guildId, threadId: t.id, userId: w.owner, joined: true },
      { guildId: w.guildId, threadId: t.id, userId: w.other, joined: false },
    ]);
    expect(members.every((e) => e.subject === `channel.${w.guildId}.${w.text}.messages`)).toBe(true);
    const rows = await h.db.select().from(threadMembers).where(eq(threadMembers.threadId, t.id));
    expect(rows.map((r) => r.userId).sort()).toEqual([w.member, w.owner].sort());
  });

  it('updateThread: name and auto-archive by the owner or MANAGE_THREADS; no-ops emit nothing', async () => {
    const w = await world();
    const t = await thread(w);
    expect(
      (await update(w.member, t.id, { name: ' renamed ', minutes: 60 })).data?.updateThread,
    ).toMatchObject({
      name: 'renamed',
      autoArchiveMinutes: 60,
    });
    expect(codeOf(await update(w.other, t.id, { name: 'mine now' }))).toBe('FORBIDDEN');
    expect(codeOf(await update(w.outsider, t.id, { name: 'mine now' }))).toBe('FORBIDDEN');
    expect(codeOf(await update(undefined, t.id, { name: 'mine now' }))).toBe('UNAUTHENTICATED');
    expect((await update(w.manager, t.id, { name: 'moderated' })).data?.updateThread.name).toBe('moderated');
    expect((await update(w.owner, t.id, { minutes: 4320 })).data?.updateThread.autoArchiveMinutes).toBe(4320);
    expect(codeOf(await update(w.member, t.id, { name: '  ' }))).toBe('VALIDATION');
    expect(codeOf(await update(w.member, t.id, { minutes: 120 }))).toBe('VALIDATION');
    expect(codeOf(await update(w.member, h.ids.next(), { name: 'x' }))).toBe('NOT_FOUND');
    expect((await update(w.member, t.id, { name: 'moderated', minutes: 4320 })).data?.updateThread.name).toBe(
      'moderated',
    );
    expect((await update(w.member, t.id, {})).data?.updateThread.name).toBe('moderated');

    const updates = (await eventsOf(t.id)).filter((e) => e.type === 'ThreadUpdated');
    expect(updates.map((e) => e.data)).toEqual([
      {
        guildId: w.guildId,
        actorId: w.member,
        threadId: t.id,
        parentChannelId: w.text,
        fields: ['name', 'autoArchiveMinutes'],
      },
      { guildId: w.guildId, actorId: w.manager, threadId: t.id, parentChannelId: w.text, fields: ['name'] },
      {
        guildId: w.guildId,
        actorId: w.owner,
        threadId: t.id,
        parentChannelId: w.text,
        fields: ['autoArchiveMinutes'],
      },
    ]);
  });

  it('archive and lock: owners archive; only MANAGE_THREADS locks or unarchives a locked thread', async () => {
    const w = await world();
    const t = await thread(w);
    const archived = (await update(w.member, t.id, { archived: true })).data!.updateThread;
    expect(archived).toMatchObject({ archived: true, locked: false });
    expect(archived.archivedAt).not.toBeNull();
    expect(codeOf(await h.as(w.other, JOIN, { threadId: t.id }))).toBe('VALIDATION');
    expect(await listed(w.other, w.text)).toEqual([]);
    expect(await listed(w.other, w.text, { archived: true })).toEqual([t.id]);

    await idle(t.id, 1);
    const unarchived = (await update(w.member, t.id, { archived: false })).data!.updateThread;
    expect(unarchived).toMatchObject({ archived: false, archivedAt: null });
    expect(Date.now() - Date.parse(unarchived.lastActivityAt)).toBeLessThan(60_000);

    expect(codeOf(await update(w.member, t.id, { locked: true }))).toBe('FORBIDDEN');
    expect(codeOf(await update(w.other, t.id, { archived: true }))).toBe('FORBIDDEN');
    expect(
      (await update(w.manager, t.id, { locked: true, archived: true })).data?.updateThread,
    ).toMatchObject({
      locked: true,
      archived: true,
    });
    expect(codeOf(await update(w.member, t.id, { archived: false }))).toBe('FORBIDDEN');
    expect((await get(w.member, t.id)).archived).toBe(true);
    expect((await update(w.manager, t.id, { archived: false })).data?.updateThread).toMatchObject({
      locked: true,
      archived: false,
    });
    // Locked but active: its owner may still archive it.
    expect((await update(w.member, t.id, { archived: true })).data?.updateThread.archived).toBe(true);
    expect((await update(w.owner, t.id, { locked: false })).data?.updateThread.locked).toBe(false);

    const fields = (await eventsOf(t.id))
      .filter((e) => e.type === 'ThreadUpdated')
      .map((e) => (e.data as { fields: string[] }).fields);
    expect(fields).toEqual([
      ['archived'],
      ['archived'],
      ['locked', 'archived'],
      ['archived'],
      ['archived'],
      ['locked'],
    ]);
  });

  it('auto-archive: idle past the duration means archived; unarchiving restarts the clock', async () => {
    const w = await world();
    const t = await thread(w, w.member, { minutes: 60 });
    const busy = await thread(w, w.member, { minutes: 1440 });
    await idle(t.id, 2);
    await idle(busy.id, 2);
    const idled = await get(w.other, t.id);
    expect(idled.archived).toBe(true);
    expect(Date.parse(idled.archivedAt!)).toBe(Date.parse(idled.lastActivityAt) + 3_600_000);
    expect((await get(w.other, busy.id)).archived).toBe(false);
    expect(await listed(w.other, w.text)).toEqual([busy.id]);
    expect(await listed(w.other, w.text, { archived: true })).toEqual([t.id]);
    expect(codeOf(await h.as(w.other, JOIN, { threadId: t.id }))).toBe('VALIDATION');

    // A longer duration does not revive it: the archive it already reached is kept.
    expect((await update(w.member, t.id, { minutes: 10080 })).data?.updateThread).toMatchObject({
      archived: true,
      autoArchiveMinutes: 10080,
    });
    expect((await update(w.member, t.id, { archived: true })).data?.updateThread.archived).toBe(true);
    const revived = (await update(w.member, t.id, { archived: false })).data!.updateThread;
    expect(revived.archived).toBe(false);
    expect(await listed(w.other, w.text)).toEqual([busy.id, t.id]);
    expect(
      (await eventsOf(t.id))
        .filter((e) => e.type === 'ThreadUpdated')
        .map((e) => (e.data as { fields: string[] }).fields),
    ).toEqual([['autoArchiveMinutes'], ['archived']]);
  });

  it('Channel.threads: newest first, paged with before and limit, visible channels only', async () => {
    const w = await world();
    const made: string[] = [];
    for (let i = 0; i < 4; i++) made.push((await thread(w, w.member, { name: `t${i}` })).id);
    const newest = [...made].reverse();
    expect(await listed(w.other, w.text)).toEqual(newest);
    expect(await listed(w.other, w.text, { limit: 2 })).toEqual(newest.slice(0, 2));
    expect(await listed(w.other, w.text, { limit: 2, before: newest[1] })).toEqual(newest.slice(2));
    expect(await listed(w.other, w.text, { archived: true })).toEqual([]);
    expect(codeOf(await list(w.other, w.text, { limit: 0 }))).toBe('VALIDATION');
    expect(codeOf(await list(w.outsider, w.text))).toBe('FORBIDDEN');
    expect(await listed(w.other, await h.seed.channel(w.guildId))).toEqual([]);
  });
  it('auto-archive is recorded with a ThreadUpdated (actorId null) for idle threads only, once', async () => {
    const w = await world();
    const [sleepy, lively, closed] = [await thread(w), await thread(w), await thread(w)];
    await h.ok(w.member, UPDATE, { threadId: closed.id, archived: true }); // archived explicitly, then idle
    await idle(sleepy.id, 25); // past its 24 h
    await idle(closed.id, 25);
    await h.flush();
    const before = h.events.events.length;

    const stores = createMessagesStores({
      db: h.db,
      ids: h.ids,
      timeline: createPostgresTimeline(h.db),
      kick: () => undefined,
    });
    // Other tests' idle threads may be archived too; ours must be among them, and only once.
    expect(await stores.threads.archiveIdle(new Date())).toBeGreaterThanOrEqual(1);
    expect(await stores.threads.archiveIdle(new Date())).toBe(0);

    const rows = new Map((await threadRows(w.text)).map((r) => [r.id, r]));
    const sleepyRow = rows.get(sleepy.id)!;
    expect(sleepyRow.archived).toBe(true);
    expect(sleepyRow.archivedAt?.getTime()).toBe(sleepyRow.lastActivityAt.getTime() + 1440 * 60_000);
    expect(rows.get(lively.id)!.archived).toBe(false);
    await h.flush();
    const updates = h.events.events
      .slice(before)
      .filter((e) => e.type === 'ThreadUpdated' && (e.data as { guildId: string }).guildId === w.guildId);
    expect(updates.map((e) => e.data)).toEqual([
      {
        guildId: w.guildId,
        actorId: null,
        threadId: sleepy.id,
        parentChannelId: w.text,
        fields: ['archived'],
      },
    ]);
  });

  it('a served messages role archives idle threads by itself, and stops at shutdown', async () => {
    const w = await world();
    const t = await thread(w);
    await idle(t.id, 2);
    await h.db.update(threads).set({ autoArchiveMinutes: 60 }).where(eq(threads.id, t.id));
    const lifecycle = new Lifecycle(silentLogger, 5_000);
    createMessagesRole({
      config: {
        secrets: { internal: 'thread-archive-test-secret-0123456789abcdef' },
        messages: { sendRate: { points: 10, windowSeconds: 1 }, attachmentUrlTtlSeconds: 3_600 },
      },
      db: h.db,
      ids: h.ids,
      outbox: {
        kick: () => undefined,
        flush: () => Promise.resolve(),
        stop: () => Promise.resolve(),
        beforePublish: () => undefined,
      },
      bus: { publishEphemeral: () => Promise.resolve() },
      cache: createMemoryStore({ keyPrefix: 'thread-archive-test:' }),
      log: silentLogger,
      lifecycle,
    });
    const archivedFlag = async () =>
      (await h.db.select().from(threads).where(eq(threads.id, t.id)))[0]?.archived;
    await vi.waitFor(async () => expect(await archivedFlag()).toBe(true), { timeout: 5_000 });
    expect(await lifecycle.shutdown('test')).toBe(true);
  });
});
