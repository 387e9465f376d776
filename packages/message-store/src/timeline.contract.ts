import crypto from 'node:crypto';

import type { Database } from '@gochat/db';
import { channels, guilds, timelinePending, user } from '@gochat/drizzle';
import { EPOCH_MS, createSnowflakeGenerator } from '@gochat/ids';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BUCKET_MS, bucketOf, bucketStart, firstIdOfBucket } from './scylla/buckets.ts';
import { contentVersion, visibleEmbeds } from './embeds.ts';
import type {
  HistoryQuery,
  MessageTimeline,
  NewTimelineMessage,
  TimelineMessage,
  TimelineMutation,
} from './port.ts';

/** A timeline under test with the PostgreSQL database its staged writes (and seeded rows) live in. */
export interface TimelineWorld {
  timeline: MessageTimeline;
  db: Database;
  close(): Promise<void>;
}

type NewMessage = NewTimelineMessage;

const epoch = Number(EPOCH_MS);
const DAY = 24 * 60 * 60 * 1000;
/** Message times stay in the past: a write timestamp from the future would outrank a delete made now. */
const NOW = Date.now();

/** The reference every implementation must agree with: history over one sorted array. */
function reference(idsAsc: readonly string[], q: Omit<HistoryQuery, 'channelId'>): string[] {
  const asc = idsAsc.map(BigInt);
  const desc = [...asc].reverse();
  const out = (list: bigint[]) => list.map(String);
  if (q.before !== undefined) return out(desc.filter((id) => id < BigInt(q.before!)).slice(0, q.limit));
  if (q.after !== undefined)
    return out(
      asc
        .filter((id) => id > BigInt(q.after!))
        .slice(0, q.limit)
        .reverse(),
    );
  if (q.around !== undefined) {
    const x = BigInt(q.around);
    const older = Math.floor(q.limit / 2);
    const upTo = desc.filter((id) => id <= x).slice(0, older + 1);
    const newer = asc.filter((id) => id > x).slice(0, q.limit - older - 1);
    return out([...newer.reverse(), ...upTo]);
  }
  return out(desc.slice(0, q.limit));
}

/**
 * The message-store contract: the same tests for every MessageTimeline. Writes go through the port
 * as commit.ts makes them: staged in a PostgreSQL transaction, then afterCommit.
 */
export function timelineContract(name: string, open: () => Promise<TimelineWorld>): void {
  describe(`message timeline contract: ${name}`, () => {
    let world: TimelineWorld;
    let authorId: string;
    let guildId: string;
    const rowIds = createSnowflakeGenerator(1021);
    let worker = 0;

    /** Ids at the given times (ascending), from a generator whose clock the test sets. */
    const idsAt = (times: number[]): string[] => {
      let clock = 0;
      const ids = createSnowflakeGenerator(worker++ % 1000, () => clock);
      return [...times]
        .sort((a, b) => a - b)
        .map((t) => {
          clock = t;
          return ids.next();
        });
    };

    const newChannel = async (kind: 'text' | 'dm' = 'text'): Promise<string> => {
      const id = rowIds.next();
      await world.db.insert(channels).values({
        id,
        guildId: kind === 'dm' ? null : guildId,
        kind,
        name: kind === 'dm' ? null : `c-${id}`,
      });
      return id;
    };

    const message = (channelId: string, id: string, content = `m${id}`): NewMessage => ({
      id,
      channelId,
      parentChannelId: channelId,
      guildId,
      authorId,
      kind: 'default',
      content,
      replyToId: null,
      mentions: { users: [], roles: [], everyone: false, here: false },
      attachments: [],
    });

    /** Stages the mutations in one committed transaction, then runs afterCommit for each. */
    const commit = async (...mutations: TimelineMutation[]): Promise<string[]> => {
      const staged = mutations.map((mutation) => ({ eventId: crypto.randomUUID(), mutation }));
      await world.db.transaction(async (tx) => {
        for (const s of staged) await world.timeline.stage(tx, s.eventId, s.mutation);
      });
      for (const s of staged) await world.timeline.afterCommit(s.eventId, s.mutation);
      return staged.map((s) => s.eventId);
    };

    /** commit() through stageMany: the mutations staged together, in order. */
    const commitTogether = async (...mutations: TimelineMutation[]): Promise<void> => {
      const staged = mutations.map((mutation) => ({ eventId: crypto.randomUUID(), mutation }));
      await world.db.transaction(async (tx) => world.timeline.stageMany(tx, staged));
      for (const s of staged) await world.timeline.afterCommit(s.eventId, s.mutation);
    };

    /** A message as the store returns it right after its insert. */
    const stored = (m: NewMessage): TimelineMessage => ({
      ...m,
      editedAt: null,
      embeds: m.embeds ?? [],
      linkEmbeds: null,
      embedsSuppressed: false,
    });

    const insertAll = async (list: NewMessage[]): Promise<TimelineMessage[]> => {
      await commit(...list.map((m): TimelineMutation => ({ op: 'insert', message: m })));
      return list.map(stored);
    };

    const pendingRows = async (eventIds: string[]) =>
      world.db.select().from(timelinePending).where(inArray(timelinePending.eventId, eventIds));

    const history = async (channelId: string, q: Omit<HistoryQuery, 'channelId'>) =>
      world.timeline.history({ channelId, ...q });
    const historyIds = async (channelId: string, q: Omit<HistoryQuery, 'channelId'>) =>
      (await history(channelId, q)).map((m) => m.id);

    beforeAll(async () => {
      world = await open();
      authorId = rowIds.next();
      await world.db.insert(user).values({
        id: authorId,
        name: 'Author',
        email: `author-${authorId}@timeline.test`,
        emailVerified: true,
      });
      guildId = rowIds.next();
      await world.db.insert(guilds).values({ id: guildId, name: 'Timeline guild', ownerId: authorId });
    });
    afterAll(async () => {
      await world?.close();
    });

    it('stores inserted messages with every field and gets them by id, only in their container', async () => {
      expect(['postgres', 'scylla']).toContain(world.timeline.kind);
      const channelId = await newChannel();
      const dmId = await newChannel('dm');
      const threadId = rowIds.next(); // a thread container under channelId
      const [a, b, c, d] = idsAt([NOW - 5 * DAY, NOW - 4 * DAY, NOW - 3 * DAY, NOW - 2 * DAY]);
      const full: NewMessage = {
        ...message(channelId, a!, 'hello <@1> <@&2> @everyone 👋'),
        replyToId: '123456789012345678',
        // Ascending (text order for users, numeric for roles): ScyllaDB keeps mentions as sets, read back sorted.
        mentions: {
          users: [authorId, '42'].sort(),
          roles: ['7', '9223372036854775807'],
          everyone: true,
          here: true,
        },
        attachments: [
          // As claimed from an upload: every field a history page renders, with the message.
          {
            id: '5',
            filename: 'cat.png',
            contentType: 'image/png',
            size: 1234,
            width: 640,
            height: 480,
            durationSeconds: null,
            blurhash: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
            previews: [
              { size: 320, width: 320, height: 240 },
              { size: 640, width: 640, height: 480 },
            ],
            disposition: 'inline',
            cleaned: true,
          },
          { id: '6', filename: 'notes.txt', contentType: 'text/plain', size: 1, width: null, height: null },
          {
            id: '7',
            filename: 'clip.mp4',
            contentType: 'video/mp4',
            size: 99_999,
            width: 160,
            height: 120,
            durationSeconds: 1.5,
            blurhash: null,
            previews: [{ size: 320, width: 160, height: 120 }],
            disposition: 'inline',
            cleaned: false,
          },
        ],
      };
      const join: NewMessage = { ...message(channelId, b!, ''), kind: 'guild_member_join' };
      const inDm: NewMessage = { ...message(dmId, c!, 'in a dm'), guildId: null };
      const inThread: NewMessage = { ...message(threadId, d!, 'in a thread'), parentChannelId: channelId };
      const stored = await insertAll([full, join, inDm, inThread]);

      const got = await world.timeline.get(channelId, [a!, b!, '999', c!, d!]);
      expect(got.sort((x, y) => x.id.localeCompare(y.id))).toEqual([stored[0], stored[1]]);
      expect(await world.timeline.get(dmId, [c!])).toEqual([stored[2]]);
      expect(await world.timeline.get(threadId, [d!])).toEqual([stored[3]]);
      expect(await world.timeline.get(channelId, [])).toEqual([]);
      expect(await world.timeline.get(channelId, [a!, a!])).toEqual([stored[0]]);
      // History is per container: the thread's message is not in its parent channel's history.
      expect(await historyIds(channelId, { limit: 100 })).toEqual([b, a]);
      expect(await history(threadId, { limit: 100 })).toEqual([stored[3]]);
    });

    describe('history across many 10-day buckets', () => {
      let channelId: string;
      let idsAsc: string[];
      let firstBucket: number;

      beforeAll(async () => {
        channelId = await newChannel();
        // 60 windows, some empty, some with one message, some with many; messages on both edges of windows.
        firstBucket = bucketOf(idsAt([NOW - 700 * DAY])[0]!);
        const times: number[] = [];
        for (let k = 0; k < 60; k++) {
          const start = bucketStart(firstBucket + k);
          if (k % 5 === 3) continue;
          const count = [1, 2, 9, 0, 4][k % 5]!;
          for (let i = 0; i < count; i++)
            times.push(start + 1 + Math.floor(((i + 1) * BUCKET_MS) / (count + 2)));
          times.push(start, start + BUCKET_MS - 1);
        }
        idsAsc = idsAt(times);
        for (let i = 0; i < idsAsc.length; i += 100)
          await insertAll(idsAsc.slice(i, i + 100).map((id) => message(channelId, id)));
      });

      it('spans the buckets it was meant to', () => {
        expect(new Set(idsAsc.map((id) => bucketOf(id))).size).toBe(48);
        expect(idsAsc.length).toBeGreaterThan(200);
      });

      it('serves the newest messages for every limit, newest first, with whole messages', async () => {
        for (const limit of [1, 2, 3, 7, 49, 50, 99, 100])
          expect(await historyIds(channelId, { limit }), `limit ${limit}`).toEqual(
            reference(idsAsc, { limit }),
          );
        const page = await history(channelId, { limit: 3 });
        expect(page).toEqual(
          [...idsAsc]
            .reverse()
            .slice(0, 3)
            .map((id) => stored(message(channelId, id))),
        );
      });

      it('agrees with a sorted array for before, after and around at bucket edges and inside buckets', async () => {
        const cursors = new Set<string>();
        for (let i = 0; i < idsAsc.length; i += 11) cursors.add(idsAsc[i]!);
        for (const k of [0, 1, 3, 8, 20, 33, 59, 60]) {
          const edge = firstIdOfBucket(firstBucket + k);
          cursors.add(edge.toString());
          cursors.add((edge - 1n).toString());
          cursors.add((edge + 1n).toString());
        }
        cursors.add('1');
        cursors.add(idsAsc[0]!);
        cursors.add(idsAsc.at(-1)!);
        let n = 0;
        for (const cursor of cursors)
          for (const kind of ['before', 'after', 'around'] as const) {
            // Limits cycle through 1..100 over the queries.
            const limit = ((n++ * 37) % 100) + 1;
            const q = { limit, [kind]: cursor };
            expect(await historyIds(channelId, q), JSON.stringify(q)).toEqual(reference(idsAsc, q));
          }
        expect(n).toBeGreaterThan(100);
      });

      it('pages through the whole channel both ways with no duplicate and no gap', async () => {
        const backward: string[] = [];
        let page = await historyIds(channelId, { limit: 13 });
        while (page.length) {
          backward.push(...page);
          page = await historyIds(channelId, { limit: 13, before: page.at(-1)! });
        }
        expect(backward).toEqual([...idsAsc].reverse());

        const forward: string[] = [];
        let after = '1';
        for (;;) {
          const newer = await historyIds(channelId, { limit: 17, after });
          if (!newer.length) break;
          forward.push(...[...newer].reverse());
          after = newer[0]!;
        }
        expect(forward).toEqual(idsAsc);
      });
    });

    it('reads sparse channels with messages years apart', async () => {
      const channelId = await newChannel();
      const times = [epoch + 60_000, epoch + 400 * DAY, NOW - 3 * DAY];
      const ids = idsAt(times);
      await insertAll(ids.map((id) => message(channelId, id)));
      const desc = [...ids].reverse();
      expect(bucketOf(ids[2]!) - bucketOf(ids[0]!)).toBeGreaterThan(70);
      expect(await historyIds(channelId, { limit: 100 })).toEqual(desc);
      expect(await historyIds(channelId, { limit: 1 })).toEqual([ids[2]]);
      expect(await historyIds(channelId, { limit: 50, before: ids[2]! })).toEqual([ids[1], ids[0]]);
      expect(await historyIds(channelId, { limit: 1, before: ids[2]! })).toEqual([ids[1]]);
      expect(await historyIds(channelId, { limit: 50, after: ids[0]! })).toEqual([ids[2], ids[1]]);
      expect(await historyIds(channelId, { limit: 1, after: ids[0]! })).toEqual([ids[1]]);
      expect(await historyIds(channelId, { limit: 3, around: ids[1]! })).toEqual(desc);
      expect(await historyIds(channelId, { limit: 50, before: ids[0]! })).toEqual([]);
      expect(await historyIds(channelId, { limit: 50, after: ids[2]! })).toEqual([]);
      expect(await historyIds(await newChannel(), { limit: 50 })).toEqual([]);
    });

    it('edits content and mentions and sets editedAt; other fields stay', async () => {
      const channelId = await newChannel();
      const [a, b] = idsAt([NOW - 20 * DAY, NOW - 19 * DAY]);
      const [original, other] = await insertAll([
        {
          ...message(channelId, a!, 'before'),
          mentions: { users: ['1'], roles: ['2'], everyone: true, here: false },
          replyToId: '77',
        },
        message(channelId, b!),
      ]);
      const editedAt = new Date(NOW - DAY);
      const mentions = { users: ['3', '4'], roles: [], everyone: false, here: true };
      await commit({
        op: 'edit',
        channelId,
        id: a!,
        content: 'after',
        mentions,
        editedAt: editedAt.toISOString(),
      });
      const edited = { ...original!, content: 'after', mentions, editedAt };
      expect(await world.timeline.get(channelId, [a!])).toEqual([edited]);
      expect(await history(channelId, { limit: 10 })).toEqual([other, edited]);
    });

    it('keeps sent embeds, shows link previews only for the content they were made from, and suppresses them', async () => {
      const channelId = await newChannel();
      const [a] = idsAt([NOW - 12 * DAY]);
      const rich = { type: 'rich' as const, title: 'Build 42', fields: [{ name: 'status', value: 'green' }] };
      const preview = (title: string) => ({ type: 'link' as const, url: 'https://example.com/', title });
      await insertAll([{ ...message(channelId, a!, 'see https://example.com'), embeds: [rich] }]);
      const read = async () => (await world.timeline.get(channelId, [a!]))[0]!;
      const setLinks = (version: string, title: string): TimelineMutation => ({
        op: 'setLinkEmbeds',
        channelId,
        id: a!,
        linkEmbeds: { version, embeds: [preview(title)] },
      });

      expect((await read()).embeds).toEqual([rich]);
      expect(contentVersion(await read())).toBe('original');
      await commit(setLinks('original', 'first'));
      expect(visibleEmbeds(await read())).toEqual([rich, preview('first')]);

      // An edit: the old previews stop showing at once; a late write for the old version changes nothing.
      const editedAt = new Date(NOW - DAY);
      await commit({
        op: 'edit',
        channelId,
        id: a!,
        content: 'now https://example.com/b',
        mentions: { users: [], roles: [], everyone: false, here: false },
        editedAt: editedAt.toISOString(),
      });
      expect(visibleEmbeds(await read())).toEqual([rich]);
      await commit(setLinks('original', 'stale'));
      expect(visibleEmbeds(await read())).toEqual([rich]);
      await commit(setLinks(editedAt.toISOString(), 'second'));
      expect(visibleEmbeds(await read())).toEqual([rich, preview('second')]);
      // Redelivered, in any order: the current version's previews stay.
      await commit(setLinks('original', 'stale again'), setLinks(editedAt.toISOString(), 'second'));
      expect((await read()).linkEmbeds).toEqual({
        version: editedAt.toISOString(),
        embeds: [preview('second')],
      });

      await commit({
        op: 'suppressEmbeds',
        channelId,
        id: a!,
        suppressed: true,
        at: new Date(NOW - 1000).toISOString(),
      });
      expect((await read()).embedsSuppressed).toBe(true);
      expect(visibleEmbeds(await read())).toEqual([rich]);
      await commit({
        op: 'suppressEmbeds',
        channelId,
        id: a!,
        suppressed: false,
        at: new Date(NOW - 500).toISOString(),
      });
      expect(visibleEmbeds(await read())).toEqual([rich, preview('second')]);

      // Previews written after a delete do not bring the message back.
      await commit({ op: 'delete', channelId, ids: [a!], deletedAt: new Date().toISOString() });
      await commit(setLinks(editedAt.toISOString(), 'after delete'));
      expect(await world.timeline.get(channelId, [a!])).toEqual([]);
      expect(await historyIds(channelId, { limit: 10 })).toEqual([]);
    });

    it('stages many mutations together in order: each preview lands only on its content version', async () => {
      const channelId = await newChannel();
      const [a, b, c, d] = idsAt([NOW - 4 * DAY, NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY]);
      await insertAll([a, b, c, d].map((id) => message(channelId, id!, `see https://example.com/${id}`)));
      const editedAt = new Date(NOW - 1000).toISOString();
      const edit = (id: string): TimelineMutation => ({
        op: 'edit',
        channelId,
        id,
        content: 'changed https://example.com/new',
        mentions: { users: [], roles: [], everyone: false, here: false },
        editedAt,
      });
      await commit(edit(b!));
      const setLinks = (id: string, version: string, title: string): TimelineMutation => ({
        op: 'setLinkEmbeds',
        channelId,
        id,
        linkEmbeds: { version, embeds: [{ type: 'link', url: 'https://example.com/', title }] },
      });
      await commitTogether(
        setLinks(a!, 'original', 'a first'),
        setLinks(b!, 'original', 'b stale'),
        setLinks(b!, editedAt, 'b current'),
        setLinks(a!, 'original', 'a again'),
        // c is edited in the same batch, before its preview of the old content arrives.
        edit(c!),
        setLinks(c!, 'original', 'c stale'),
        setLinks(d!, 'original', 'd'),
      );
      const titles = async () =>
        Object.fromEntries(
          (await world.timeline.get(channelId, [a!, b!, c!, d!])).map((m) => [
            m.id,
            visibleEmbeds(m).map((embed) => embed.title),
          ]),
        );
      expect(await titles()).toEqual({ [a!]: ['a again'], [b!]: ['b current'], [c!]: [], [d!]: ['d'] });
      // Nothing staged: nothing happens.
      await commitTogether();
      expect(await titles()).toEqual({ [a!]: ['a again'], [b!]: ['b current'], [c!]: [], [d!]: ['d'] });
    });

    it('deletes messages across buckets; unknown ids are ignored', async () => {
      const channelId = await newChannel();
      const ids = idsAt([NOW - 90 * DAY, NOW - 60 * DAY, NOW - 59 * DAY, NOW - 30 * DAY, NOW - 10 * DAY]);
      await insertAll(ids.map((id) => message(channelId, id)));
      await commit({
        op: 'delete',
        channelId,
        ids: [ids[0]!, ids[3]!, '4242'],
        deletedAt: new Date().toISOString(),
      });
      expect(await world.timeline.get(channelId, ids)).toHaveLength(3);
      expect(await historyIds(channelId, { limit: 100 })).toEqual([ids[4], ids[2], ids[1]]);
      expect(await historyIds(channelId, { limit: 100, before: ids[4]! })).toEqual([ids[2], ids[1]]);
      expect(await historyIds(channelId, { limit: 3, around: ids[3]! })).toEqual([ids[4], ids[2], ids[1]]);
    });

    it("finds an author's messages since an id across containers and buckets, and no one else's", async () => {
      const [first, second] = [await newChannel(), await newChannel()];
      const otherAuthor = rowIds.next();
      await world.db.insert(user).values({
        id: otherAuthor,
        name: 'Other',
        email: `other-${otherAuthor}@timeline.test`,
        emailVerified: true,
      });
      const [old, since, a, b, c] = idsAt([
        NOW - 30 * DAY,
        NOW - 7 * DAY,
        NOW - 6 * DAY,
        NOW - 2 * DAY,
        NOW - DAY,
      ]);
      await insertAll([
        message(first, old!),
        message(first, since!),
        message(first, a!),
        { ...message(first, b!), authorId: otherAuthor },
        message(second, c!),
      ]);
      const found = await world.timeline.authoredSince([first, second], authorId, since!);
      expect(found.map((f) => `${f.channelId}:${f.id}`).sort()).toEqual(
        [`${first}:${since}`, `${first}:${a}`, `${second}:${c}`].sort(),
      );
      expect(await world.timeline.authoredSince([second], otherAuthor, since!)).toEqual([]);
      expect(await world.timeline.authoredSince([], authorId, since!)).toEqual([]);
    });

    it("authoredBy: the author's own messages anywhere, newest first, paged with before; edits shown, deleted and system messages left out", async () => {
      const authoredBy = world.timeline.authoredBy?.bind(world.timeline);
      expect(authoredBy, 'both stores index messages by author').toBeDefined();
      const newUser = async (name: string) => {
        const id = rowIds.next();
        await world.db
          .insert(user)
          .values({ id, name, email: `${name}-${id}@timeline.test`, emailVerified: true });
        return id;
      };
      const [writer, other] = [await newUser('writer'), await newUser('other')];
      const [text, dm, doomed] = [await newChannel(), await newChannel('dm'), await newChannel()];
      const threadId = rowIds.next(); // a thread container under text
      // Ten messages over about 95 days: many buckets, some holding several of them.
      const ids = idsAt([95, 64, 63, 40, 30, 12, 11, 5, 2, 1].map((days) => NOW - days * DAY));
      const by = (who: string, m: NewMessage): NewMessage => ({ ...m, authorId: who });
      await insertAll([
        by(writer, message(text, ids[0]!)),
        by(writer, { ...message(dm, ids[1]!), guildId: null }),
        by(other, message(text, ids[2]!)),
        by(writer, { ...message(text, ids[3]!, ''), kind: 'guild_member_join' }),
        by(writer, { ...message(threadId, ids[4]!), parentChannelId: text }),
        by(writer, message(doomed, ids[5]!)),
        by(writer, message(text, ids[6]!)),
        by(writer, message(text, ids[7]!, 'first draft')),
        by(other, { ...message(dm, ids[8]!), guildId: null }),
        by(writer, message(text, ids[9]!)),
      ]);
      const editedAt = new Date(NOW - DAY / 2);
      await commit(
        {
          op: 'edit',
          channelId: text,
          id: ids[7]!,
          content: 'final words',
          mentions: { users: [], roles: [], everyone: false, here: false },
          editedAt: editedAt.toISOString(),
        },
        { op: 'delete', channelId: text, ids: [ids[6]!], deletedAt: new Date().toISOString() },
      );
      // A deleted channel takes its messages with it (a cascade in PostgreSQL; left out in ScyllaDB).
      await world.db.delete(channels).where(eq(channels.id, doomed));
      // A replayed insert of the deleted message (the relay's path) must not bring it back.
      await world.timeline.afterCommit(crypto.randomUUID(), {
        op: 'insert',
        message: by(writer, message(text, ids[6]!)),
      });

      const idsOf = async (who: string, page: { before?: string; limit: number }) =>
        (await authoredBy!(who, page)).map((m) => m.id);
      const expected = [ids[9], ids[7], ids[4], ids[1], ids[0]];
      expect(await idsOf(writer, { limit: 100 })).toEqual(expected);
      const [latest, edited, inThread, inDm] = await authoredBy!(writer, { limit: 4 });
      expect(edited).toEqual({
        ...stored(by(writer, message(text, ids[7]!))),
        content: 'final words',
        editedAt,
      });
      expect(latest).toEqual(stored(by(writer, message(text, ids[9]!))));
      expect(inThread).toMatchObject({ channelId: threadId, parentChannelId: text, authorId: writer });
      expect(inDm).toMatchObject({ channelId: dm, guildId: null });

      // Pages with before, whatever the limit, with no gap and no duplicate; a cursor need not exist.
      for (const limit of [1, 2, 3]) {
        const pages: string[] = [];
        let page = await idsOf(writer, { limit });
        while (page.length) {
          expect(page.length).toBeLessThanOrEqual(limit);
          pages.push(...page);
          page = await idsOf(writer, { limit, before: page.at(-1)! });
        }
        expect(pages, `limit ${limit}`).toEqual(expected);
      }
      expect(await idsOf(writer, { limit: 2, before: ids[5]! })).toEqual([ids[4], ids[1]]);
      expect(await idsOf(writer, { limit: 100, before: ids[6]! })).toEqual([ids[4], ids[1], ids[0]]);
      expect(await idsOf(writer, { limit: 100, before: ids[0]! })).toEqual([]);
      expect(await idsOf(writer, { limit: 100, before: idsAt([NOW])[0]! })).toEqual(expected);

      expect(await idsOf(other, { limit: 100 })).toEqual([ids[8], ids[2]]);
      expect(await idsOf(await newUser('silent'), { limit: 100 })).toEqual([]);
    });

    it('replaying an older insert or edit never undoes a later edit or delete', async () => {
      // The ScyllaDB timeline applies a mutation again whenever the relay finds it still pending. The
      // PostgreSQL timeline applies each once, in the transaction: a replay through afterCommit is a no-op.
      const channelId = await newChannel();
      const [a, b] = idsAt([NOW - 8 * DAY, NOW - 7 * DAY]);
      const insertA: TimelineMutation = { op: 'insert', message: message(channelId, a!, 'first') };
      const insertB: TimelineMutation = { op: 'insert', message: message(channelId, b!) };
      const [eventA, eventB] = await commit(insertA, insertB);
      const edit = (content: string, at: number): TimelineMutation => ({
        op: 'edit',
        channelId,
        id: a!,
        content,
        mentions: { users: [], roles: [], everyone: false, here: false },
        editedAt: new Date(at).toISOString(),
      });
      const older = edit('second', NOW - 2 * DAY);
      const newer = edit('third', NOW - DAY);
      const remove: TimelineMutation = {
        op: 'delete',
        channelId,
        ids: [b!],
        deletedAt: new Date().toISOString(),
      };
      const [eventOlder] = await commit(older, newer, remove);

      await world.timeline.afterCommit(eventA!, insertA);
      await world.timeline.afterCommit(eventB!, insertB);
      await world.timeline.afterCommit(eventOlder!, older);
      const expectSettled = async () => {
        const got = await world.timeline.get(channelId, [a!, b!]);
        expect(got.map((m) => [m.id, m.content, m.editedAt?.toISOString()])).toEqual([
          [a, 'third', new Date(NOW - DAY).toISOString()],
        ]);
        expect(await historyIds(channelId, { limit: 10 })).toEqual([a]);
      };
      await expectSettled();

      if (world.timeline.kind === 'scylla') {
        // The relay's path: the same mutations found pending again (a crash before the rows were cleared).
        const replays = [insertB, insertA, older].map((mutation) => ({
          eventId: crypto.randomUUID(),
          mutation,
        }));
        await world.db.insert(timelinePending).values(replays);
        await world.db.transaction((tx) =>
          world.timeline.applyPending(
            tx,
            replays.map((r) => r.eventId),
          ),
        );
        expect(await pendingRows(replays.map((r) => r.eventId))).toEqual([]);
        await expectSettled();
      }
    });

    it('leaves nothing behind when the staging transaction rolls back', async () => {
      const channelId = await newChannel();
      const [kept, lost] = idsAt([NOW - 6 * DAY, NOW - 5 * DAY]);
      const [original] = await insertAll([message(channelId, kept!)]);
      const mutations: TimelineMutation[] = [
        { op: 'insert', message: message(channelId, lost!) },
        {
          op: 'edit',
          channelId,
          id: kept!,
          content: 'never',
          mentions: { users: [], roles: [], everyone: false, here: false },
          editedAt: new Date().toISOString(),
        },
        { op: 'delete', channelId, ids: [kept!], deletedAt: new Date().toISOString() },
      ];
      const eventIds = mutations.map(() => crypto.randomUUID());
      await expect(
        world.db.transaction(async (tx) => {
          for (const [i, mutation] of mutations.entries())
            await world.timeline.stage(tx, eventIds[i]!, mutation);
          throw new Error('rolled back by the test');
        }),
      ).rejects.toThrow('rolled back by the test');
      // The relay only ever sees committed events; even so, nothing is pending for these.
      await world.db.transaction((tx) => world.timeline.applyPending(tx, eventIds));
      expect(await pendingRows(eventIds)).toEqual([]);
      expect(await world.timeline.get(channelId, [kept!, lost!])).toEqual([original]);
      expect(await history(channelId, { limit: 10 })).toEqual([original]);
    });

    it('applyPending completes committed mutations whose afterCommit never ran (a crash)', async () => {
      const channelId = await newChannel();
      const [a] = idsAt([NOW - 4 * DAY]);
      const insert: TimelineMutation = { op: 'insert', message: message(channelId, a!, 'crashed') };
      const edit: TimelineMutation = {
        op: 'edit',
        channelId,
        id: a!,
        content: 'edited before the crash',
        mentions: { users: [], roles: [], everyone: false, here: false },
        editedAt: new Date(NOW - DAY).toISOString(),
      };
      const eventIds = [crypto.randomUUID(), crypto.randomUUID()];
      await world.db.transaction(async (tx) => {
        await world.timeline.stage(tx, eventIds[0]!, insert);
        await world.timeline.stage(tx, eventIds[1]!, edit);
      });
      const scylla = world.timeline.kind === 'scylla';
      // ScyllaDB: staged in PostgreSQL, not yet in the store. PostgreSQL: applied with the commit.
      expect(await pendingRows(eventIds)).toHaveLength(scylla ? 2 : 0);
      expect(await world.timeline.get(channelId, [a!])).toHaveLength(scylla ? 0 : 1);

      // A relay whose publish fails rolls its transaction back: the mutations stay pending for the retry.
      await expect(
        world.db.transaction(async (tx) => {
          await world.timeline.applyPending(tx, eventIds);
          throw new Error('publish failed (expected by this test)');
        }),
      ).rejects.toThrow('publish failed');
      expect(await pendingRows(eventIds)).toHaveLength(scylla ? 2 : 0);

      const unrelated = crypto.randomUUID();
      await world.db.transaction((tx) => world.timeline.applyPending(tx, [unrelated, ...eventIds]));
      expect(await pendingRows(eventIds)).toEqual([]);
      const [got] = await world.timeline.get(channelId, [a!]);
      expect(got).toMatchObject({ id: a, content: 'edited before the crash', editedAt: new Date(NOW - DAY) });
      expect(await historyIds(channelId, { limit: 5 })).toEqual([a]);
    });

    it('afterCommit clears the staged row once the write is applied', async () => {
      const channelId = await newChannel();
      const [a] = idsAt([NOW - 3 * DAY]);
      const eventIds = await commit({ op: 'insert', message: message(channelId, a!) });
      expect(await pendingRows(eventIds)).toEqual([]);
      expect(await historyIds(channelId, { limit: 1 })).toEqual([a]);
    });
  });
}
