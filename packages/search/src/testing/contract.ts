import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SearchDocument, SearchIndex, SearchRequest } from '../port.ts';
import { documentFactory, request } from './documents.ts';

export interface SearchWorld {
  index: SearchIndex;
  close(): Promise<void>;
}

/**
 * What every search index must do, run against each implementation (PostgreSQL, PGlite, OpenSearch
 * when configured). Each test writes its own guild's documents, so tests share one index.
 */
export function runSearchContract(name: string, open: () => Promise<SearchWorld>): void {
  describe(`search contract: ${name}`, () => {
    let world: SearchWorld;
    let guildSeq = 1000;
    beforeAll(async () => {
      world = await open();
    }, 120_000);
    afterAll(async () => {
      await world?.close();
    });

    /** A fresh guild (and its channels) per test. */
    function guild() {
      const guildId = String(++guildSeq);
      const general = `${guildSeq}1`;
      const secret = `${guildSeq}2`;
      const factory = documentFactory();
      const doc = (content: string, extra: Partial<SearchDocument> = {}, minutesAgo?: number) =>
        factory.doc({ guildId, channelId: general, parentChannelId: general, content, ...extra }, minutesAgo);
      const search = async (overrides: Partial<SearchRequest> = {}) =>
        world.index.search(request({ guildId, parentChannelIds: [general, secret], ...overrides }));
      const ids = async (overrides: Partial<SearchRequest> = {}) =>
        (await search(overrides)).hits.map((h) => h.id);
      const write = async (...docs: SearchDocument[]) => {
        await world.index.upsert(docs);
        await world.index.refresh();
      };
      return { guildId, general, secret, doc, search, ids, write };
    }

    it('finds every word regardless of case and accents, and not other messages', async () => {
      const g = guild();
      const a = g.doc('The Crème BRÛLÉE was great');
      const b = g.doc('creme only');
      await g.write(a, b);
      expect(await g.ids({ terms: ['creme', 'brulee'] })).toEqual([a.id]);
      expect(await g.ids({ terms: ['creme'] })).toEqual([b.id, a.id]);
      expect(await g.ids({ terms: ['absent'] })).toEqual([]);
    });

    it('matches phrases in order and leaves out excluded words', async () => {
      const g = guild();
      const a = g.doc('red green blue');
      const b = g.doc('green red blue');
      await g.write(a, b);
      expect(await g.ids({ phrases: ['red green'] })).toEqual([a.id]);
      expect(await g.ids({ terms: ['blue'], excluded: ['red green'] })).toEqual([b.id]);
      expect(await g.ids({ terms: ['blue'], excluded: ['green'] })).toEqual([]);
    });

    it('finds links and mentions by their pieces', async () => {
      const g = guild();
      const a = g.doc('see https://docs.example.com/guide?x=1 and <@12345>');
      await g.write(a);
      expect(await g.ids({ terms: ['example', 'guide'] })).toEqual([a.id]);
      expect(await g.ids({ phrases: ['docs example com'] })).toEqual([a.id]);
      expect(await g.ids({ terms: ['12345'] })).toEqual([a.id]);
    });

    it('returns only the channels asked for: a private channel stays out unless it is listed', async () => {
      const g = guild();
      const open = g.doc('launch plans');
      const hidden = g.doc('launch secrets', { channelId: g.secret, parentChannelId: g.secret });
      const thread = g.doc('launch thread', { channelId: '999001', parentChannelId: g.secret });
      await g.write(open, hidden, thread);
      expect(await g.ids({ terms: ['launch'], parentChannelIds: [g.general] })).toEqual([open.id]);
      expect(await g.ids({ terms: ['launch'] })).toEqual([thread.id, hidden.id, open.id]);
      expect(await g.ids({ terms: ['launch'], channelIds: ['999001'] })).toEqual([thread.id]);
      expect(await g.ids({ terms: ['launch'], channelIds: [g.secret] })).toEqual([thread.id, hidden.id]);
      expect(await g.ids({ terms: ['launch'], channelIds: [g.general, '999001'] })).toEqual([
        thread.id,
        open.id,
      ]);
      expect(await g.ids({ terms: ['launch'], inThread: true })).toEqual([thread.id]);
      expect(await g.ids({ terms: ['launch'], inThread: false })).toEqual([hidden.id, open.id]);
      // Another guild's search never sees these, even naming the same channels.
      const other = await world.index.search(
        request({ guildId: '1', parentChannelIds: [g.general, g.secret], terms: ['launch'] }),
      );
      expect(other.hits).toEqual([]);
    });

    it('keeps DMs apart from guilds', async () => {
      const g = guild();
      const dm = g.doc('dm words', {
        guildId: null,
        channelId: `${g.guildId}9`,
        parentChannelId: `${g.guildId}9`,
      });
      await g.write(dm, g.doc('dm words in guild'));
      const hits = await world.index.search(
        request({ guildId: null, parentChannelIds: [`${g.guildId}9`], terms: ['dm', 'words'] }),
      );
      expect(hits.hits.map((h) => [h.id, h.guildId, h.channelId])).toEqual([[dm.id, null, dm.channelId]]);
    });

    it('filters by author, mentions, has, pinned and time', async () => {
      const g = guild();
      const old = g.doc('filters alpha', { authorId: 'bob' }, 50);
      const link = g.doc('filters https://example.com', { has: ['link'], pinned: true }, 30);
      const image = g.doc(
        'filters picture',
        { has: ['file', 'image'], mentions: { users: ['carol'], roles: [], everyone: false } },
        20,
      );
      const everyone = g.doc('filters all', { mentions: { users: [], roles: ['r1'], everyone: true } }, 10);
      await g.write(old, link, image, everyone);
      const t = ['filters'];
      expect(await g.ids({ terms: t, authorIds: ['bob'] })).toEqual([old.id]);
      expect(await g.ids({ terms: t, mentionUserIds: ['carol', 'dave'] })).toEqual([image.id]);
      expect(await g.ids({ terms: t, mentionRoleIds: ['r1'] })).toEqual([everyone.id]);
      expect(await g.ids({ terms: t, mentionsEveryone: true })).toEqual([everyone.id]);
      expect(await g.ids({ terms: t, has: ['link'] })).toEqual([link.id]);
      expect(await g.ids({ terms: t, has: ['file', 'image'] })).toEqual([image.id]);
      expect(await g.ids({ terms: t, has: ['image', 'link'] })).toEqual([]);
      expect(await g.ids({ terms: t, pinned: true })).toEqual([link.id]);
      expect(await g.ids({ terms: t, pinned: false })).toEqual([everyone.id, image.id, old.id]);
      const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
      expect(await g.ids({ terms: t, before: minutesAgo(25) })).toEqual([link.id, old.id]);
      expect(await g.ids({ terms: t, after: minutesAgo(25) })).toEqual([everyone.id, image.id]);
      expect(await g.ids({ terms: t, after: minutesAgo(35), before: minutesAgo(15) })).toEqual([
        image.id,
        link.id,
      ]);
      // A query of filters only (no words).
      expect(await g.ids({ authorIds: ['alice'], has: ['link'] })).toEqual([link.id]);
    });

    it('pages through every match once, in each sort order, and counts them', async () => {
      const g = guild();
      const docs = Array.from({ length: 7 }, (_, i) => g.doc(`page ${'word '.repeat(i + 1)}`));
      await g.write(...docs);
      for (const sort of ['newest', 'oldest', 'relevance'] as const) {
        const seen: string[] = [];
        let cursor: SearchRequest['cursor'];
        for (let pages = 0; pages < 10; pages++) {
          const page = await g.search({ terms: ['page'], sort, limit: 3, cursor });
          expect(page.total).toBe(7);
          expect(page.totalIsExact).toBe(true);
          seen.push(...page.hits.map((h) => h.id));
          if (!page.next) break;
          cursor = page.next;
        }
        expect(new Set(seen).size).toBe(7);
        const expected = docs.map((d) => d.id);
        if (sort === 'newest') expect(seen).toEqual(expected.toReversed());
        if (sort === 'oldest') expect(seen).toEqual(expected);
        if (sort === 'relevance') expect(seen.toSorted()).toEqual(expected.toSorted());
      }
      // Relevance puts the message with the word most often first.
      const best = await g.search({ terms: ['word'], sort: 'relevance', limit: 1 });
      expect(best.hits[0]?.id).toBe(docs[6]?.id);
    });

    it('pages through a phrase among messages holding only its words, in both time orders', async () => {
      const g = guild();
      // Oldest first: phrase matches (m) and near misses (x: both words, not in order) interleaved.
      const kinds = ['m', 'x', 'm', 'x', 'x', 'm', 'm', 'x', 'm', 'm'];
      const docs = kinds.map((k) => g.doc(k === 'm' ? 'the pull request is up' : 'request a pull later'));
      await g.write(...docs);
      const matches = docs.filter((_, i) => kinds[i] === 'm').map((d) => d.id);
      const walk = async (overrides: Partial<SearchRequest>) => {
        const seen: string[] = [];
        let cursor: SearchRequest['cursor'];
        for (let pages = 0; pages < 20; pages++) {
          const page = await g.search({ ...overrides, limit: 1, cursor });
          seen.push(...page.hits.map((h) => h.id));
          if (!page.next) break;
          cursor = page.next;
        }
        return seen;
      };
      expect(await walk({ phrases: ['pull request'], sort: 'newest' })).toEqual(matches.toReversed());
      expect(await walk({ phrases: ['pull request'], sort: 'oldest' })).toEqual(matches);
      expect(await walk({ terms: ['pull', 'request'], sort: 'newest' })).toEqual(
        docs.map((d) => d.id).toReversed(),
      );
    });

    it('highlights the matched words', async () => {
      const g = guild();
      const a = g.doc('nothing here but the Needle in a haystack');
      await g.write(a);
      const page = await g.search({ terms: ['needle'] });
      const [highlight] = page.hits[0]?.highlights ?? [];
      expect(highlight).toBeDefined();
      const [range] = highlight?.ranges ?? [];
      expect(range && highlight?.text.slice(range[0], range[1]).toLowerCase()).toBe('needle');
      // A filter-only query has nothing to highlight.
      expect((await g.search({ authorIds: ['alice'] })).hits[0]?.highlights).toEqual([]);
    });

    it('keeps the newest version whatever order writes come in, and is idempotent', async () => {
      const g = guild();
      const v1 = g.doc('first draft');
      const v2 = { ...v1, content: 'second draft', version: v1.version + 10 };
      await g.write(v2);
      await g.write(v1); // a late redelivery of the older write
      await g.write(v2, v2);
      expect(await g.ids({ terms: ['second'] })).toEqual([v1.id]);
      expect(await g.ids({ terms: ['first'] })).toEqual([]);
      expect((await g.search({ terms: ['draft'] })).total).toBe(1);
    });

    it('removes messages for good: a later write of the message does not bring it back', async () => {
      const g = guild();
      const a = g.doc('doomed words');
      const b = g.doc('kept words');
      await g.write(a, b);
      await world.index.remove([{ id: a.id, guildId: g.guildId }]);
      await world.index.remove([{ id: a.id, guildId: g.guildId }]);
      await world.index.refresh();
      expect(await g.ids({ terms: ['words'] })).toEqual([b.id]);
      await g.write({ ...a, version: a.version + 1000 });
      expect(await g.ids({ terms: ['words'] })).toEqual([b.id]);
      // Removing a message never indexed keeps it out when its create arrives late.
      const late = g.doc('late words');
      await world.index.remove([{ id: late.id, guildId: g.guildId }]);
      await g.write(late);
      expect(await g.ids({ terms: ['words'] })).toEqual([b.id]);
    });

    it('drops a channel with its threads, and a whole guild', async () => {
      const g = guild();
      const inChannel = g.doc('scoped words', { channelId: g.secret, parentChannelId: g.secret });
      const inThread = g.doc('scoped words', { channelId: '888001', parentChannelId: g.secret });
      const kept = g.doc('scoped words');
      await g.write(inChannel, inThread, kept);
      await world.index.removeChannel(g.secret, g.guildId);
      await world.index.refresh();
      expect(await g.ids({ terms: ['scoped'] })).toEqual([kept.id]);
      await world.index.removeGuild(g.guildId);
      await world.index.refresh();
      expect(await g.ids({ terms: ['scoped'] })).toEqual([]);
    });

    it('rebuilds a scope without downtime: untouched documents go, live writes stay', async () => {
      const g = guild();
      const stale = g.doc('rebuild gone');
      const kept = g.doc('rebuild kept');
      const other = g.doc('rebuild other', { channelId: g.secret, parentChannelId: g.secret });
      await g.write(stale, kept, other);
      const scope = { kind: 'channel', channelId: g.general } as const;
      // Index writes are stamped by the index's clock: start the rebuild strictly after them.
      const written = Date.now();
      while (Date.now() <= written + 1) await new Promise((resolve) => setImmediate(resolve));
      const startedAt = new Date();
      await world.index.beginRebuild(scope, startedAt);
      await world.index.rebuildWrite(scope, startedAt, [kept]);
      // Searches go on during the rebuild, and a message written live meanwhile survives it.
      expect(await g.ids({ terms: ['rebuild'] })).toContain(stale.id);
      const live = g.doc('rebuild live');
      await g.write(live);
      await world.index.finishRebuild(scope, startedAt);
      await world.index.refresh();
      expect(await g.ids({ terms: ['rebuild'] })).toEqual([live.id, other.id, kept.id]);
    });
  });
}
