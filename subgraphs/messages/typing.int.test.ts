import type { BusEvent } from '@gochat/bus';
import { outboxEvents, threads } from '@gochat/drizzle';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases, type Caller } from '@gochat/testkit';
import { count, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';

import { openMessagesHarness } from './test-harness.ts';

const TYPING = `mutation($channelId: ID!) { startTyping(channelId: $channelId) }`;
const { VIEW_CHANNEL, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS, MANAGE_THREADS } = PERMISSIONS;

/** The cache's clock: tests move it past the 5-second window instead of sleeping. */
let clock = Date.now();
/** When set, the bus refuses ephemeral events. */
let busDown = false;

await describeOnBothDatabases(
  'startTyping',
  (url) =>
    openMessagesHarness(url, {
      cacheClock: () => clock,
      ephemeral: (event, publish) => (busDown ? Promise.reject(new Error('bus down')) : publish(event)),
    }),
  (h) => {
    let owner: string, member: string, other: string, outsider: string, muted: string, threadManager: string;
    let guildId: string, text: string;

    beforeAll(async () => {
      [owner, member, other, outsider, muted, threadManager] = await Promise.all([
        h.createUser('owner'),
        h.createUser('member'),
        h.createUser('other'),
        h.createUser('outsider'),
        h.createUser('muted'),
        h.createUser('thread manager'),
      ]);
      guildId = await h.seed.guild(owner);
      for (const u of [member, other, threadManager]) await h.seed.member(guildId, u);
      await h.seed.member(guildId, muted, new Date(Date.now() + 3_600_000));
      await h.seed.role(guildId, MANAGE_THREADS, [threadManager]);
      text = await h.seed.channel(guildId);
    });

    const typing = (who: Caller, channelId: string) => h.as(who, TYPING, { channelId });
    /** TypingStarted events the bus delivered for this container so far. */
    const typingIn = (channelId: string): BusEvent[] =>
      h.events.events.filter((e) => e.type === 'TypingStarted' && e.data.channelId === channelId);
    const thread = async (parentId: string, values: Partial<typeof threads.$inferInsert> = {}) => {
      const id = h.ids.next();
      await h.db
        .insert(threads)
        .values({ id, parentId, guildId, ownerId: owner, name: 'a thread', ...values });
      return id;
    };
    /** A window later than any earlier test's. */
    const nextWindow = () => {
      clock += 60_000;
    };

    it('publishes TypingStarted live on typing.<guildId>.<channelId>, never through the outbox', async () => {
      nextWindow();
      const before = Date.now();
      expect(await h.ok(member, TYPING, { channelId: text })).toEqual({ startTyping: true });
      const [event] = typingIn(text);
      expect(event).toMatchObject({
        type: 'TypingStarted',
        subject: `typing.${guildId}.${text}`,
        data: { guildId, channelId: text, parentChannelId: text, userId: member },
      });
      // Shown for 10 seconds from when it was sent.
      const occurredAt = Date.parse(event!.occurredAt);
      expect(occurredAt).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(event!.data.expiresAt as string) - occurredAt).toBe(10_000);
      // Ephemeral: no position in the log, and nothing stored to publish later.
      expect(event!.seq).toBeUndefined();
      await h.flush();
      const [stored] = await h.db
        .select({ n: count() })
        .from(outboxEvents)
        .where(eq(outboxEvents.type, 'TypingStarted'));
      expect(stored!.n).toBe(0);
    });

    it('publishes at most once per user and container every 5 seconds; repeats still answer true', async () => {
      nextWindow();
      const channel = await h.seed.channel(guildId);
      const elsewhere = await h.seed.channel(guildId);
      expect(codeOf(await typing(member, channel))).toBe('OK');
      clock += 4_999;
      expect(await h.ok(member, TYPING, { channelId: channel })).toEqual({ startTyping: true });
      expect(typingIn(channel).map((e) => e.data.userId)).toEqual([member]);
      // Windows are per user and per container.
      expect(codeOf(await typing(other, channel))).toBe('OK');
      expect(codeOf(await typing(member, elsewhere))).toBe('OK');
      expect(typingIn(channel).map((e) => e.data.userId)).toEqual([member, other]);
      expect(typingIn(elsewhere)).toHaveLength(1);
      // Once the window has passed, the next call publishes again.
      clock += 1;
      expect(codeOf(await typing(member, channel))).toBe('OK');
      expect(typingIn(channel).map((e) => e.data.userId)).toEqual([member, other, member]);
    });

    it('a failed publish does not hold the window: the next call publishes', async () => {
      nextWindow();
      const channel = await h.seed.channel(guildId);
      busDown = true;
      try {
        expect(codeOf(await typing(member, channel))).not.toBe('OK');
      } finally {
        busDown = false;
      }
      expect(typingIn(channel)).toEqual([]);
      expect(codeOf(await typing(member, channel))).toBe('OK');
      expect(typingIn(channel)).toHaveLength(1);
    });

    it('is refused where the caller cannot send, and then publishes nothing', async () => {
      nextWindow();
      const hidden = await h.seed.channel(guildId);
      await h.seed.overwrite(hidden, 'role', guildId, 0n, VIEW_CHANNEL);
      const readOnly = await h.seed.channel(guildId);
      await h.seed.overwrite(readOnly, 'member', member, 0n, SEND_MESSAGES);
      const voice = await h.seed.channel(guildId, 'voice');
      const category = await h.seed.channel(guildId, 'category');
      expect(codeOf(await typing(outsider, text))).toBe('FORBIDDEN');
      expect(codeOf(await typing(member, hidden))).toBe('FORBIDDEN');
      expect(codeOf(await typing(member, readOnly))).toBe('FORBIDDEN');
      // A timeout takes sending away, and typing with it.
      expect(codeOf(await typing(muted, text))).toBe('FORBIDDEN');
      expect(codeOf(await typing(member, voice))).toBe('VALIDATION');
      expect(codeOf(await typing(member, category))).toBe('VALIDATION');
      expect(codeOf(await typing(member, 'not-an-id'))).toBe('VALIDATION');
      expect(codeOf(await typing(member, h.ids.next()))).toBe('NOT_FOUND');
      expect(codeOf(await typing(undefined, text))).toBe('UNAUTHENTICATED');
      // A router hydration credential never writes.
      expect(codeOf(await typing({ kind: 'scope', scope: { channelId: text } }, text))).toBe(
        'UNAUTHENTICATED',
      );
      for (const channel of [hidden, readOnly, voice, category]) expect(typingIn(channel)).toEqual([]);
      expect(typingIn(text).filter((e) => [outsider, muted].includes(e.data.userId as string))).toEqual([]);
      expect(codeOf(await typing(owner, hidden))).toBe('OK');
    });

    it('in DMs: participants only, and not across a block; the subject says dm', async () => {
      nextWindow();
      const dm = await h.seed.dm(member, other);
      expect(codeOf(await typing(other, dm))).toBe('OK');
      expect(typingIn(dm)).toMatchObject([
        {
          subject: `typing.dm.${dm}`,
          data: { guildId: null, channelId: dm, parentChannelId: dm, userId: other },
        },
      ]);
      expect(codeOf(await typing(outsider, dm))).toBe('FORBIDDEN');
      const group = await h.seed.groupDm(owner, [member]);
      expect(codeOf(await typing(member, group))).toBe('OK');
      expect(codeOf(await typing(other, group))).toBe('FORBIDDEN');
      const blockedDm = await h.seed.dm(member, outsider);
      await h.seed.block(outsider, member);
      expect(codeOf(await typing(member, blockedDm))).toBe('FORBIDDEN');
      expect(codeOf(await typing(outsider, blockedDm))).toBe('FORBIDDEN');
      expect(typingIn(blockedDm)).toEqual([]);
    });

    it('in threads: as for sending there; typing never unarchives', async () => {
      nextWindow();
      const channel = await h.seed.channel(guildId);
      const open = await thread(channel);
      expect(codeOf(await typing(member, open))).toBe('OK');
      expect(typingIn(open)).toMatchObject([
        {
          subject: `typing.${guildId}.${open}`,
          data: { guildId, channelId: open, parentChannelId: channel, userId: member },
        },
      ]);
      const locked = await thread(channel, { locked: true });
      expect(codeOf(await typing(member, locked))).toBe('FORBIDDEN');
      expect(codeOf(await typing(threadManager, locked))).toBe('OK');
      // Sending would unarchive an unlocked archived thread, so typing there is allowed; it writes nothing.
      const archived = await thread(channel, { archived: true, archivedAt: new Date() });
      expect(codeOf(await typing(member, archived))).toBe('OK');
      const [row] = await h.db.select().from(threads).where(eq(threads.id, archived));
      expect(row).toMatchObject({ archived: true });
      const noThreads = await h.seed.channel(guildId);
      await h.seed.overwrite(noThreads, 'member', member, 0n, SEND_MESSAGES_IN_THREADS);
      expect(codeOf(await typing(member, await thread(noThreads)))).toBe('FORBIDDEN');
      // The channel itself is unaffected by a thread-only deny.
      expect(codeOf(await typing(member, noThreads))).toBe('OK');
    });
  },
);
