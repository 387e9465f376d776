/**
 * Seeds one channel's history for bench/history.ts: message times spread over two years the way a busy
 * community channel fills up (growing, more by evening than by night, weekly rhythm, quiet and hot
 * days, conversations in bursts), snowflake ids taken at those times, and varied content. Everything
 * comes from a seeded RNG, so every run seeds the same channel.
 */
import { createSnowflakeGenerator } from '@gochat/ids';

/** Runs one parameterised statement on the raw driver (pg.Pool or PGlite: both have query(text, params)). */
export type RawQuery = (text: string, params: unknown[]) => Promise<unknown>;

const DAY_MS = 86_400_000;

/** mulberry32: small, fast, good enough for synthetic data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const gaussian = (random: () => number) =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** Relative activity per hour of day (UTC): quiet at night, busiest in the evening. */
const HOURLY = [3, 2, 1.5, 1, 0.8, 0.8, 1.2, 2.5, 4, 5, 5.5, 6, 6.5, 6, 6, 6.5, 7, 8, 9.5, 10, 10, 9, 7, 5];
const HOURLY_TOTAL = HOURLY.reduce((a, b) => a + b, 0);

function pickHour(random: () => number): number {
  let r = random() * HOURLY_TOTAL;
  for (let h = 0; h < 24; h++) {
    r -= HOURLY[h]!;
    if (r < 0) return h;
  }
  return 23;
}

/** How many messages each day gets: a growing channel, livelier at weekends, lognormal noise, rare spikes. */
function dailyCounts(total: number, days: number, startMs: number, random: () => number): number[] {
  const weights = Array.from({ length: days }, (_, d) => {
    const growth = 0.35 + 0.65 * (d / days);
    const weekday = new Date(startMs + d * DAY_MS).getUTCDay();
    const weekly = weekday === 0 || weekday === 6 ? 1.25 : 1;
    const noise = Math.exp(0.45 * gaussian(random));
    const spike = random() < 0.02 ? 3 + 4 * random() : 1; // a release, an outage, a drama
    return growth * weekly * noise * spike;
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w / sum) * total));
  let missing = total - counts.reduce((a, b) => a + b, 0);
  for (let d = 0; missing > 0; d = (d + 7) % days, missing--) counts[d]!++;
  return counts;
}

/**
 * `total` message times (ms, ascending) over the `days` whole UTC days before the one holding
 * `endMs`, none at or after `endMs`. Within a day, messages come in conversations: a start hour by
 * the daily rhythm, then replies seconds apart.
 */
export function messageTimes(total: number, days: number, endMs: number, random: () => number): Float64Array {
  const startMs = (Math.floor(endMs / DAY_MS) - days) * DAY_MS;
  const counts = dailyCounts(total, days, startMs, random);
  const times = new Float64Array(total);
  let n = 0;
  for (let d = 0; d < days; d++) {
    const dayStart = startMs + d * DAY_MS;
    for (let left = counts[d]!; left > 0;) {
      const size = Math.min(left, 1 + Math.floor(-Math.log(1 - random()) * 10)); // mean about 10
      let t = dayStart + pickHour(random) * 3_600_000 + random() * 3_600_000;
      for (let i = 0; i < size; i++) {
        times[n++] = Math.min(Math.floor(t), endMs - 1);
        t += 1_000 - Math.log(1 - random()) * 25_000; // a reply every ~26 s
      }
      left -= size;
    }
  }
  return times.sort();
}

/** Snowflakes for the times, from a generator whose clock reads each message's time. */
export function idsAt(times: Float64Array, worker: number): string[] {
  let now = 0;
  const ids = createSnowflakeGenerator(worker, () => now);
  return Array.from(times, (t) => {
    now = t;
    return ids.next();
  });
}

const WORDS = (
  'the a to and of is in it you that for on this with i was just we be have are not but what so can ' +
  'if at do all they like get there one about how up out yeah no lol ok now think know when time ' +
  'good will would more should release build server deploy bug fix issue test merge branch review ' +
  'docs api client crash log error works thanks nice game tonight anyone here again maybe later ' +
  'today tomorrow week update version link check see try new old'
).split(' ');

/** Chat-like content: mostly short lines, now and then a long one (at most 2000 characters). */
export function messageContent(random: () => number): string {
  const words = Math.max(1, Math.round(Math.exp(1.7 + 0.8 * gaussian(random))));
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(WORDS[Math.floor(random() * WORDS.length)]!);
  return parts.join(' ').slice(0, 2000);
}

export interface SeedChannel {
  channelId: string;
  guildId: string;
  /** Authors, most active first: activity falls off like a Zipf distribution. */
  authors: string[];
}

/**
 * Inserts the messages in batches through unnest (one statement per batch), with created_at at
 * each message's time and a few replies to recent messages.
 */
export async function insertMessages(
  query: RawQuery,
  target: SeedChannel,
  ids: string[],
  times: Float64Array,
  random: () => number,
  batchSize = 20_000,
): Promise<void> {
  const harmonic = target.authors.map((_, i) => 1 / (i + 1));
  const totalWeight = harmonic.reduce((a, b) => a + b, 0);
  const author = () => {
    let r = random() * totalWeight;
    for (let i = 0; i < harmonic.length; i++) if ((r -= harmonic[i]!) < 0) return target.authors[i]!;
    return target.authors[0]!;
  };
  for (let from = 0; from < ids.length; from += batchSize) {
    const to = Math.min(ids.length, from + batchSize);
    const batch = { ids: ids.slice(from, to), authors: [] as string[], content: [] as string[] };
    const replies: (string | null)[] = [];
    const created: string[] = [];
    for (let i = from; i < to; i++) {
      batch.authors.push(author());
      batch.content.push(messageContent(random));
      replies.push(i > 50 && random() < 0.03 ? ids[i - 1 - Math.floor(random() * 50)]! : null);
      created.push(new Date(times[i]!).toISOString());
    }
    await query(
      `insert into messages (id, channel_id, parent_channel_id, guild_id, author_id, content, reply_to_id, created_at)
       select m.id, $5::bigint, $5::bigint, $6::bigint, m.author, m.content, m.reply, m.created
       from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $7::timestamptz[])
         as m(id, author, content, reply, created)`,
      [batch.ids, batch.authors, batch.content, replies, target.channelId, target.guildId, created],
    );
  }
}

/** `count` extra authors, written straight to the user table (they never sign in). */
export async function insertAuthors(query: RawQuery, count: number, worker: number): Promise<string[]> {
  const ids = createSnowflakeGenerator(worker);
  const authors = Array.from({ length: count }, () => ids.next());
  await query(
    `insert into "user" (id, name, email, email_verified)
     select a.id, 'Bench author ' || a.n, 'bench-author-' || a.id || '@bench.test', true
     from unnest($1::text[]) with ordinality as a(id, n)`,
    [authors],
  );
  return authors;
}

/**
 * Makes the authors members of the guild, half of them with a nickname, as in a real guild: pages
 * then resolve a membership for every message (Message.member), not nulls.
 */
export async function joinAuthors(query: RawQuery, guildId: string, authors: string[]): Promise<void> {
  await query(
    `insert into guild_members (guild_id, user_id, nickname)
     select $1::bigint, a.id, case when a.n % 2 = 0 then 'Nick ' || a.n end
     from unnest($2::text[]) with ordinality as a(id, n)`,
    [guildId, authors],
  );
}
