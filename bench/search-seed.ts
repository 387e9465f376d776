/**
 * Seeds bench/search.ts: the 1,000,000 message times and snowflakes of bench:history's channel
 * (history-seed.ts, same RNG seeds), spread over 20 text channels of one guild whose overwrites give
 * the searching user 15 of them, with chat-like content over a Zipf vocabulary so that a few words
 * are common (5-20% of messages), most are rare, and some phrases recur. Rows go into the message
 * store's `messages` table (unnest, as bench:history) and into the search index through the index's
 * own `upsert` (the write path the indexer uses), 5,000 per batch.
 */
import { type Database } from '@gochat/db';
import { createSnowflakeGenerator } from '@gochat/ids';
import { DEFAULT_EVERYONE_PERMISSIONS, PERMISSIONS } from '@gochat/permissions';
import { NO_MENTIONS, type TimelineMessage } from '@gochat/message-store';
import type { SearchIndex } from '@gochat/search';

import { toDocument } from '../workers/indexer/documents.ts';
import { idsAt, messageTimes, seededRandom, type RawQuery } from './history-seed.ts';

export const CHANNELS = 20;
export const AUTHORS = 20;
const VOCABULARY = 50_000;
/** Zipf-Mandelbrot word weights 1 / (rank + Q)^S: a flatter head than pure Zipf, a long tail. */
const ZIPF_Q = 2.7;
const ZIPF_S = 1;
/** Per word position: a recurring two-word expression instead of a word. */
const COLLOCATION_RATE = 0.002;
/** Share of messages that end with a link. */
const LINK_RATE = 0.04;

/** The head of the vocabulary, most frequent first; the tail is made-up words. */
const HEAD = (
  'the a to and of is in it you that for on this with i was just we be have are not but what so can ' +
  'if at do all they like get there one about how up out yeah no lol ok now think know when time ' +
  'good will would more should release build server deploy bug fix issue test pull merge branch ' +
  'review request docs api client crash log error works thanks nice game tonight anyone here again ' +
  'maybe later today tomorrow week update version link check see try new old stack trace notes ' +
  'conflict morning thank channel config database cache query index worker queue latency memory'
).split(' ');

/** Two-word expressions that recur (Zipf weights too): phrase searches look for these. */
export const COLLOCATIONS = [
  'pull request',
  'stack trace',
  'merge conflict',
  'release notes',
  'good morning',
  'thank you',
  'memory leak',
  'rate limit',
  'unit test',
  'dead letter',
];

const DOMAINS = ['github.com', 'example.com', 'docs.rs', 'youtube.com', 'npmjs.com', 'stackoverflow.com'];

/** Made-up pronounceable words, distinct and never a head word: the tail of the vocabulary. */
function vocabulary(random: () => number): string[] {
  const consonants = 'bcdfghjklmnprstvwz';
  const vowels = 'aeiou';
  const words = new Set(HEAD);
  const out = [...HEAD];
  while (out.length < VOCABULARY) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = '';
    for (let s = 0; s < syllables; s++)
      word +=
        consonants[Math.floor(random() * consonants.length)]! + vowels[Math.floor(random() * vowels.length)]!;
    if (!words.has(word)) {
      words.add(word);
      out.push(word);
    }
  }
  return out;
}

/** A sampler of indices 0..weights.length-1 by weight (binary search over the cumulative sums). */
function weighted(weights: readonly number[], random: () => number): () => number {
  const cumulative = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (cumulative[i] = sum += w));
  return () => {
    const r = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

const gaussian = (random: () => number) =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** The guild as seeded: its channels, who may read which, and the authors. */
export interface SearchWorldSeed {
  guildId: string;
  ownerId: string;
  /** The user every search runs as: a member holding the "regulars" role. */
  searcherId: string;
  searcherHandle: string;
  channelIds: string[];
  /** The channels the overwrites are meant to leave the searcher (checked against guildScope). */
  expectedReadable: string[];
  /** Why each unreadable channel is unreadable, for the report. */
  permissionMix: string[];
  /** Most active first. */
  authorIds: string[];
  authorHandles: string[];
}

const handleOf = (i: number) => `bench_author_${i + 1}`;

/**
 * The guild, its 20 text channels, roles and overwrites, and the users. The searcher may read 15
 * channels: 12 plainly, one through a role allow, one through a member allow; the other 5 are denied
 * by a staff-only channel (×3), a READ_MESSAGE_HISTORY deny, and a member deny.
 */
export async function seedGuild(query: RawQuery): Promise<SearchWorldSeed> {
  const ids = createSnowflakeGenerator(950);
  const authorIds = Array.from({ length: AUTHORS }, () => ids.next());
  const authorHandles = authorIds.map((_, i) => handleOf(i));
  const searcherId = authorIds[5]!;
  const ownerId = authorIds[0]!;
  await query(
    `insert into "user" (id, name, email, email_verified, handle)
     select a.id, 'Bench author ' || a.n, 'bench-search-' || a.id || '@bench.test', true, a.handle
     from unnest($1::text[], $2::text[]) with ordinality as a(id, handle, n)`,
    [authorIds, authorHandles],
  );
  const guildId = ids.next();
  await query(`insert into guilds (id, name, owner_id) values ($1, 'Search bench', $2)`, [guildId, ownerId]);
  await query(`insert into guild_members (guild_id, user_id) select $1, unnest($2::text[])`, [
    guildId,
    authorIds,
  ]);
  const staff = ids.next();
  const regulars = ids.next();
  await query(
    `insert into roles (id, guild_id, name, position, permissions) values
       ($1, $1, '@everyone', 0, $4), ($2, $1, 'staff', 2, $5), ($3, $1, 'regulars', 1, 0)`,
    [
      guildId,
      staff,
      regulars,
      DEFAULT_EVERYONE_PERMISSIONS.toString(),
      DEFAULT_EVERYONE_PERMISSIONS.toString(),
    ],
  );
  await query(`insert into member_roles (guild_id, user_id, role_id) values ($1, $2, $3), ($1, $4, $5)`, [
    guildId,
    searcherId,
    regulars,
    ownerId,
    staff,
  ]);
  const channelIds = Array.from({ length: CHANNELS }, () => ids.next());
  await query(
    `insert into channels (id, guild_id, kind, name, position)
     select c.id, $1, 'text', 'channel-' || c.n, c.n from unnest($2::bigint[]) with ordinality as c(id, n)`,
    [guildId, channelIds],
  );
  const view = PERMISSIONS.VIEW_CHANNEL.toString();
  const history = PERMISSIONS.READ_MESSAGE_HISTORY.toString();
  const overwrite = (
    channel: number,
    targetId: string,
    type: 'role' | 'member',
    allow: string,
    deny: string,
  ) =>
    query(
      `insert into channel_overwrites (channel_id, target_id, target_type, allow, deny) values ($1, $2, $3, $4, $5)`,
      [channelIds[channel], targetId, type, allow, deny],
    );
  // Readable through an allow: a role the searcher holds, and the searcher as a member.
  await overwrite(3, guildId, 'role', '0', view);
  await overwrite(3, regulars, 'role', view, '0');
  await overwrite(8, guildId, 'role', '0', view);
  await overwrite(8, searcherId, 'member', view, '0');
  // Unreadable: staff-only channels, history hidden from everyone, the searcher denied by name.
  for (const c of [2, 9, 13]) {
    await overwrite(c, guildId, 'role', '0', view);
    await overwrite(c, staff, 'role', view, '0');
  }
  await overwrite(16, guildId, 'role', '0', history);
  await overwrite(19, searcherId, 'member', '0', view);
  const unreadable = new Set([2, 9, 13, 16, 19]);
  return {
    guildId,
    ownerId,
    searcherId,
    searcherHandle: authorHandles[5]!,
    channelIds,
    expectedReadable: channelIds.filter((_, i) => !unreadable.has(i)),
    permissionMix: [
      '12 channels readable by @everyone',
      '1 denied to @everyone, allowed to a role the searcher holds',
      '1 denied to @everyone, allowed to the searcher by a member overwrite',
      '3 staff-only (denied to @everyone, allowed to a role the searcher lacks)',
      '1 with READ_MESSAGE_HISTORY denied to @everyone',
      '1 denying the searcher VIEW_CHANNEL by a member overwrite',
    ],
    authorIds,
    authorHandles,
  };
}

/** Channel traffic: 1/(rank+1)^0.7, ranks shuffled so busy and quiet channels are on both sides of the permission line. */
const CHANNEL_RANK = [0, 5, 1, 12, 7, 3, 15, 9, 2, 18, 6, 11, 4, 14, 8, 17, 10, 13, 16, 19];

/** What the seed produced, for picking query terms and for the report. */
export interface SeedStats {
  messages: number;
  perChannel: number[];
  readableMessages: number;
  links: number;
  /** Messages (in readable channels) containing each vocabulary word, by rank. */
  wordMessages: Int32Array;
  vocabulary: string[];
  /** Messages (readable) with each author's has:link. */
  authorLinks: number[];
  seconds: { store: number; index: number; total: number };
}

export interface ContentGenerator {
  vocabulary: string[];
  /** A message's content and the ranks of the vocabulary words it holds (collocation words included). */
  next(): { content: string; ranks: number[]; link: boolean };
}

/** Chat-like content over the Zipf vocabulary; deterministic for a seed. */
export function contentGenerator(seed: number): ContentGenerator {
  const random = seededRandom(seed);
  const words = vocabulary(seededRandom(17));
  const rankOf = new Map(words.map((w, i) => [w, i]));
  const word = weighted(
    words.map((_, r) => 1 / (r + 1 + ZIPF_Q) ** ZIPF_S),
    random,
  );
  const collocation = weighted(
    COLLOCATIONS.map((_, r) => 1 / (r + 1)),
    random,
  );
  return {
    vocabulary: words,
    next() {
      const count = Math.max(1, Math.round(Math.exp(1.7 + 0.8 * gaussian(random))));
      const parts: string[] = [];
      const ranks: number[] = [];
      for (let i = 0; i < count; i++) {
        if (random() < COLLOCATION_RATE) {
          const phrase = COLLOCATIONS[collocation()]!;
          parts.push(phrase);
          for (const w of phrase.split(' ')) ranks.push(rankOf.get(w) ?? -1);
        } else {
          const r = word();
          parts.push(words[r]!);
          ranks.push(r);
        }
      }
      const link = random() < LINK_RATE;
      if (link) {
        const path = words[word()]!;
        parts.push(
          `https://${DOMAINS[Math.floor(random() * DOMAINS.length)]!}/${path}/${Math.floor(random() * 1000)}`,
        );
        ranks.push(rankOf.get(path) ?? -1);
      }
      // Messages are at most 2000 characters; these never get near it (the longest is ~60 words).
      return { content: parts.join(' ').slice(0, 2000), ranks, link };
    },
  };
}

/**
 * The messages: bench:history's times and ids, each in a channel by traffic weight, by an author by
 * Zipf activity (like history-seed.ts), with generated content. Per batch: the store rows by unnest,
 * then the same messages as documents through `index.upsert` (toDocument, as the indexer builds
 * them), so the documents are exactly what the indexer would write.
 */
export async function seedMessages(
  query: RawQuery,
  index: SearchIndex,
  world: SearchWorldSeed,
  total: number,
  progress: (line: string) => void,
  batchSize = 5_000,
): Promise<SeedStats> {
  const started = performance.now();
  const random = seededRandom(1);
  const times = messageTimes(total, 730, Date.now() - 60_000, random);
  const ids = idsAt(times, 900);
  const pick = seededRandom(42);
  const channel = weighted(
    CHANNEL_RANK.map((rank) => 1 / (rank + 1) ** 0.7),
    pick,
  );
  const author = weighted(
    world.authorIds.map((_, i) => 1 / (i + 1) ** 0.9),
    pick,
  );
  const generator = contentGenerator(7);
  const readable = new Set(world.expectedReadable);
  const stats: SeedStats = {
    messages: total,
    perChannel: new Array<number>(CHANNELS).fill(0),
    readableMessages: 0,
    links: 0,
    wordMessages: new Int32Array(generator.vocabulary.length),
    vocabulary: generator.vocabulary,
    authorLinks: new Array<number>(AUTHORS).fill(0),
    seconds: { store: 0, index: 0, total: 0 },
  };
  const seen = new Set<number>();
  for (let from = 0; from < total; from += batchSize) {
    const to = Math.min(total, from + batchSize);
    const rows: TimelineMessage[] = [];
    const created: string[] = [];
    for (let i = from; i < to; i++) {
      const c = channel();
      const a = author();
      const { content, ranks, link } = generator.next();
      const channelId = world.channelIds[c]!;
      stats.perChannel[c]!++;
      if (link) stats.links++;
      if (readable.has(channelId)) {
        stats.readableMessages++;
        if (link) stats.authorLinks[a]!++;
        seen.clear();
        for (const r of ranks)
          if (r >= 0 && !seen.has(r)) {
            seen.add(r);
            stats.wordMessages[r]!++;
          }
      }
      rows.push({
        id: ids[i]!,
        channelId,
        parentChannelId: channelId,
        guildId: world.guildId,
        authorId: world.authorIds[a]!,
        kind: 'default',
        content,
        replyToId: null,
        mentions: NO_MENTIONS,
        attachments: [],
        editedAt: null,
        embeds: [],
        linkEmbeds: null,
        embedsSuppressed: false,
      });
      created.push(new Date(times[i]!).toISOString());
    }
    const storeStart = performance.now();
    await query(
      `insert into messages (id, channel_id, parent_channel_id, guild_id, author_id, content, created_at)
       select m.id, m.channel, m.channel, $1::bigint, m.author, m.content, m.created
       from unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
         as m(id, channel, author, content, created)`,
      [
        world.guildId,
        rows.map((r) => r.id),
        rows.map((r) => r.channelId),
        rows.map((r) => r.authorId),
        rows.map((r) => r.content),
        created,
      ],
    );
    const indexStart = performance.now();
    await index.upsert(rows.map((m) => toDocument(m, false)));
    const end = performance.now();
    stats.seconds.store += (indexStart - storeStart) / 1000;
    stats.seconds.index += (end - indexStart) / 1000;
    if (to % 100_000 === 0 || to === total)
      progress(
        `${to.toLocaleString('en')} messages (store ${stats.seconds.store.toFixed(0)} s, index ${stats.seconds.index.toFixed(0)} s)`,
      );
  }
  stats.seconds.total = (performance.now() - started) / 1000;
  return stats;
}

/** The driver's own query(text, params), for both PGlite and node-postgres. */
export const rawQuery = (db: Database): RawQuery => {
  const client = (db as unknown as { $client: { query(text: string, params: unknown[]): Promise<unknown> } })
    .$client;
  return (text, params) => client.query(text, params);
};
