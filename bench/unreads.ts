/**
 * Query.unreads for a user in 100 guilds x 20 text channels, on real PostgreSQL: the store's single
 * statement against a naive loop of one statement per guild (same data, same permission check). And
 * "seen by" in a 20,000-member guild: a channel everyone sees (LIMIT_REACHED, found early in index
 * order), and a staff-only channel searched among the members who could view it, against a scan of
 * every member. Creates a throwaway database and drops it at the end.
 * Run: npm run bench:unreads (GOCHAT_BENCH_DATABASE_URL or DATABASE_URL picks the server).
 */
import os from 'node:os';

import { openDatabase, queryRows, type Database } from '@gochat/db';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { createPostgresTimeline } from '@gochat/message-store';
import {
  DEFAULT_EVERYONE_PERMISSIONS,
  PERMISSIONS,
  channelPermissions,
  has,
  type Overwrite,
} from '@gochat/permissions';
import { sql, type SQL } from 'drizzle-orm';

import { createReadStatesStore } from '../subgraphs/messages/store/read-states.ts';
import { createScratchDatabase } from './scratch-database.ts';

const GUILDS = 100;
const CHANNELS = 20; // text channels per guild; channel 1 is hidden from @everyone, channel 2 shown to a role
const THREADS = 2; // joined threads per guild, under channel 3
const DMS = 20;
const OTHERS = 50; // other members per guild, with their own read states and mentions
const MENTIONED = 100; // messages with mentions per container
const BIG_GUILD_MEMBERS = 20_000;
const ITERATIONS = 200;
const BASE = 1_000_000_000_000_000_000n; // user ids: equal length, so text order is numeric
const VIEWER = (BASE + 1n).toString();
const G0 = 3_000_000_000_000_000_000n; // guild ids G0 + g * 1000; role, channel and thread ids below the next
const M0 = 4_000_000_000_000_000_000n; // message ids M0 + container * 1000 + k
const BIG = 5_000_000_000_000_000_000n; // the big guild, its channels BIG + 1 (everyone) and BIG + 2 (staff)
const VIEW = PERMISSIONS.VIEW_CHANNEL.toString();

async function timed(
  run: () => Promise<unknown>,
  iterations = ITERATIONS,
): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * Seeds with generate_series. Containers are numbered: guild channels g*1000 + 100 + c, threads
 * g*1000 + 200 + t, DMs 900 + d (relative to G0); messages of container k are M0 + k*1000 + 1..MENTIONED.
 */
async function seed(db: Database): Promise<void> {
  const run = (statement: SQL) => db.execute(statement);
  await run(sql`insert into "user" (id, name, email, email_verified)
    select (${BASE}::numeric + u)::text, 'u' || u, 'u' || u || '@bench.test', true
    from generate_series(1, ${1 + OTHERS + BIG_GUILD_MEMBERS}) u`);
  // Guilds owned by user 2, with @everyone (id = guild id) and a "mods" role (guild + 1) the viewer holds.
  await run(sql`insert into guilds (id, name, owner_id)
    select ${G0}::bigint + g * 1000, 'g' || g, (${BASE}::numeric + 2)::text from generate_series(1, ${GUILDS}) g`);
  await run(sql`insert into roles (id, guild_id, name, position, permissions)
    select id + r, id, case r when 0 then '@everyone' else 'mods' end, r,
           case r when 0 then ${DEFAULT_EVERYONE_PERMISSIONS.toString()}::bigint else 0 end
    from guilds, generate_series(0, 1) r where id < ${BIG}::bigint`);
  await run(sql`insert into guild_members (guild_id, user_id)
    select g.id, (${BASE}::numeric + u)::text from guilds g, generate_series(1, ${1 + OTHERS}) u`);
  await run(
    sql`insert into member_roles (guild_id, user_id, role_id) select id, ${VIEWER}, id + 1 from guilds`,
  );
  await run(sql`insert into channels (id, guild_id, kind, name, position)
    select g.id + 100 + c, g.id, 'text', 'c' || c, c from guilds g, generate_series(1, ${CHANNELS}) c`);
  await run(sql`insert into channels (id, guild_id, kind, name, position)
    select g.id + 150, g.id, 'voice', 'voice', 99 from guilds g`);
  await run(sql`insert into channel_overwrites (channel_id, target_id, target_type, allow, deny)
    select g.id + 101, g.id::text, 'role', 0, ${VIEW}::bigint from guilds g
    union all select g.id + 102, g.id::text, 'role', 0, ${VIEW}::bigint from guilds g
    union all select g.id + 102, (g.id + 1)::text, 'role', ${VIEW}::bigint, 0 from guilds g`);
  await run(sql`insert into threads (id, parent_id, guild_id, owner_id, name)
    select g.id + 200 + t, g.id + 103, g.id, ${VIEWER}, 't' || t from guilds g, generate_series(1, ${THREADS}) t`);
  await run(sql`insert into thread_members (thread_id, user_id) select id, ${VIEWER} from threads`);
  // DMs between the viewer and the others.
  await run(
    sql`insert into channels (id, kind) select ${G0}::bigint + 900 + d, 'dm' from generate_series(1, ${DMS}) d`,
  );
  await run(sql`insert into channel_recipients (channel_id, user_id)
    select ${G0}::bigint + 900 + d, u from generate_series(1, ${DMS}) d,
      lateral (values (${VIEWER}), ((${BASE}::numeric + 2 + d)::text)) p(u)`);

  // Every container has messages; the viewer read none of every third, all of every third, half of the rest.
  await run(sql`create temp table bench_containers as
    select c.id, c.id as parent, c.guild_id from channels c where c.kind in ('text', 'dm')
    union all select t.id, t.parent_id, t.guild_id from threads t`);
  await run(sql`insert into channel_state (channel_id, parent_channel_id, guild_id, last_message_id)
    select id, parent, guild_id, ${M0}::bigint + (id - ${G0}::bigint) * 1000 + ${MENTIONED} from bench_containers`);
  await run(sql`insert into read_states (user_id, channel_id, parent_channel_id, last_read_id)
    select ${VIEWER}, id, parent, ${M0}::bigint + (id - ${G0}::bigint) * 1000 + case when id % 3 = 1 then ${MENTIONED}::int else ${MENTIONED / 2}::int end
    from bench_containers where id % 3 <> 0`);
  await run(sql`insert into read_states (user_id, channel_id, parent_channel_id, last_read_id)
    select (${BASE}::numeric + u)::text, id, parent, ${M0}::bigint + (id - ${G0}::bigint) * 1000 + (u % ${MENTIONED})
    from bench_containers, generate_series(2, ${1 + OTHERS}) u where guild_id is not null`);
  // Mentions: mostly other users; the viewer every 10th message, the mods role every 25th, @everyone every 50th.
  await run(sql`insert into mentions (channel_id, message_id, target_type, target_id, parent_channel_id)
    select id, ${M0}::bigint + (id - ${G0}::bigint) * 1000 + k,
           case when k % 50 = 0 and guild_id is not null then 'everyone'
                when k % 25 = 0 and guild_id is not null then 'role' else 'user' end,
           case when k % 50 = 0 and guild_id is not null then ''
                when k % 25 = 0 and guild_id is not null then (guild_id + 1)::text
                when k % 10 = 0 then ${VIEWER}
                else (${BASE}::numeric + 2 + k % ${OTHERS})::text end,
           parent
    from bench_containers, generate_series(1, ${MENTIONED}) k`);

  // The big guild for "seen by": everyone sees BIG + 1; only a 50-member staff role sees BIG + 2.
  await run(
    sql`insert into guilds (id, name, owner_id) values (${BIG}, 'big', (${BASE}::numeric + 2)::text)`,
  );
  await run(sql`insert into roles (id, guild_id, name, position, permissions) values
    (${BIG}, ${BIG}, '@everyone', 0, ${DEFAULT_EVERYONE_PERMISSIONS.toString()}::bigint),
    (${BIG}::bigint + 1, ${BIG}, 'staff', 1, 0)`);
  await run(sql`insert into guild_members (guild_id, user_id)
    select ${BIG}, (${BASE}::numeric + u)::text from generate_series(2, ${1 + BIG_GUILD_MEMBERS}) u`);
  await run(sql`insert into member_roles (guild_id, user_id, role_id)
    select ${BIG}, (${BASE}::numeric + u)::text, ${BIG}::bigint + 1 from generate_series(1000, 1049) u`);
  await run(sql`insert into channels (id, guild_id, kind, name) values
    (${BIG}::bigint + 1, ${BIG}, 'text', 'everyone'), (${BIG}::bigint + 2, ${BIG}, 'text', 'staff')`);
  await run(sql`insert into channel_overwrites (channel_id, target_id, target_type, allow, deny) values
    (${BIG}::bigint + 2, ${BIG}, 'role', 0, ${VIEW}::bigint),
    (${BIG}::bigint + 2, (${BIG}::bigint + 1)::text, 'role', ${VIEW}::bigint, 0)`);
  await run(sql`insert into read_states (user_id, channel_id, parent_channel_id, last_read_id)
    select (${BASE}::numeric + u)::text, ${BIG}::bigint + 2, ${BIG}::bigint + 2, ${M0}
    from generate_series(1000, 1049) u where u % 2 = 0`);
  await run(sql`vacuum analyze`); // as a long-running database: statistics and visibility maps current
}

/** The baseline: what a per-guild resolver would do, one statement per guild plus one for the DMs. */
async function naiveUnreads(db: Database, userId: string) {
  const guilds = await queryRows<{ guild_id: string }>(
    db,
    sql`select guild_id::text as guild_id from guild_members where user_id = ${userId} order by guild_id`,
  );
  const mentionCount = (guild: SQL) => sql`(
    select count(distinct m.message_id)::int from mentions m
    where m.channel_id = x.id and m.message_id > coalesce(rs.last_read_id, 0)
      and (m.target_type = 'everyone' or (m.target_type = 'user' and m.target_id = ${userId})
           or (m.target_type = 'role' and m.target_id in (
                 select role_id::text from member_roles where guild_id = ${guild} and user_id = ${userId}))))`;
  const result = [];
  for (const { guild_id: guildId } of guilds) {
    const rows = await queryRows<{
      id: string;
      owner_id: string;
      everyone: string;
      roles: { id: string; permissions: string }[] | null;
      overwrites: { targetId: string; targetType: 'role' | 'member'; allow: string; deny: string }[] | null;
      last_read_id: string | null;
      last_message_id: string | null;
      unread: boolean | null;
      mention_count: number;
    }>(
      db,
      sql`select x.id::text as id, g.owner_id, ev.permissions::text as everyone,
             (select json_agg(json_build_object('id', r.id::text, 'permissions', r.permissions::text))
                from member_roles mr join roles r on r.id = mr.role_id
                where mr.guild_id = g.id and mr.user_id = ${userId}) as roles,
             (select json_agg(json_build_object('targetId', o.target_id, 'targetType', o.target_type,
                                                'allow', o.allow::text, 'deny', o.deny::text))
                from channel_overwrites o where o.channel_id = x.channel_id) as overwrites,
             rs.last_read_id::text as last_read_id, cs.last_message_id::text as last_message_id,
             cs.last_message_id > coalesce(rs.last_read_id, 0) as unread,
             ${mentionCount(sql`${guildId}::bigint`)} as mention_count
           from (select c.id, c.id as channel_id from channels c where c.guild_id = ${guildId} and c.kind = 'text'
                 union all
                 select t.id, t.parent_id from threads t join thread_members tm on tm.thread_id = t.id
                 where t.guild_id = ${guildId} and tm.user_id = ${userId}) x
           join guilds g on g.id = ${guildId}
           join roles ev on ev.id = g.id
           left join read_states rs on rs.user_id = ${userId} and rs.channel_id = x.id
           left join channel_state cs on cs.channel_id = x.id`,
    );
    const channels = rows.filter((row) => {
      const member = {
        userId,
        guildId,
        ownerId: row.owner_id,
        everyone: BigInt(row.everyone),
        roles: (row.roles ?? []).map((r) => ({ id: r.id, permissions: BigInt(r.permissions) })),
      };
      const overwrites: Overwrite[] = (row.overwrites ?? []).map((o) => ({
        ...o,
        allow: BigInt(o.allow),
        deny: BigInt(o.deny),
      }));
      return has(channelPermissions(member, overwrites), PERMISSIONS.VIEW_CHANNEL);
    });
    result.push({
      guildId,
      unread: channels.some((c) => c.unread),
      mentionCount: channels.reduce((s, c) => s + c.mention_count, 0),
      channels,
    });
  }
  const direct = await queryRows(
    db,
    sql`select cr.channel_id::text, rs.last_read_id::text, cs.last_message_id::text,
           ${mentionCount(sql`null::bigint`)} as mention_count
        from channel_recipients cr
        cross join lateral (select cr.channel_id as id) x
        left join read_states rs on rs.user_id = ${userId} and rs.channel_id = cr.channel_id
        left join channel_state cs on cs.channel_id = cr.channel_id
        where cr.user_id = ${userId}`,
  );
  return { guilds: result, direct };
}

const scratch = await createScratchDatabase();
const handle = await openDatabase({
  url: scratch.url,
  dataDir: os.tmpdir(),
  poolSize: 2,
  log: silentLogger,
});
try {
  await handle.migrate();
  const db = handle.db;
  const seeded = performance.now();
  await seed(db);
  const seedMs = performance.now() - seeded;
  const store = createReadStatesStore({
    db,
    ids: createSnowflakeGenerator(1),
    timeline: createPostgresTimeline(db),
    kick: () => undefined,
  });

  // Both give the same answer before either is timed.
  const unreads = await store.unreads(VIEWER);
  const naive = await naiveUnreads(db, VIEWER);
  const visible = unreads.guilds.reduce((n, g) => n + g.channels.length, 0);
  const mentions = unreads.guilds.reduce((n, g) => n + g.mentionCount, 0);
  if (
    unreads.guilds.length !== GUILDS ||
    unreads.directChannels.length !== DMS ||
    visible !== naive.guilds.reduce((n, g) => n + g.channels.length, 0) ||
    mentions !== naive.guilds.reduce((n, g) => n + g.mentionCount, 0) ||
    visible !== GUILDS * (CHANNELS - 1 + THREADS)
  )
    throw new Error(`the two disagree or the seed is off: ${visible} channels, ${mentions} mentions`);

  const single = await timed(() => store.unreads(VIEWER));
  const perGuild = await timed(() => naiveUnreads(db, VIEWER), ITERATIONS / 4);

  const place = (channel: bigint) => ({
    containerId: channel.toString(),
    parentChannelId: channel.toString(),
    guildId: BIG.toString(),
  });
  if ((await store.seenBy(place(BIG + 1n), M0.toString())) !== 'too-many')
    throw new Error('expected too-many');
  // The staff channel denies @everyone, so (as the resolver works out from the access facts) only
  // members who could gain the permission are candidates; `true` makes every member one: the baseline.
  const staffSeen = await store.seenBy(place(BIG + 2n), M0.toString(), false);
  const staffSeenByScan = await store.seenBy(place(BIG + 2n), M0.toString(), true);
  if (JSON.stringify(staffSeen) !== JSON.stringify(staffSeenByScan))
    throw new Error('seen by variants disagree');
  if (staffSeen === 'too-many' || staffSeen.length !== 25)
    throw new Error(`staff seen by: ${String(staffSeen)}`);
  const seenEveryone = await timed(() => store.seenBy(place(BIG + 1n), M0.toString()));
  const seenStaff = await timed(() => store.seenBy(place(BIG + 2n), M0.toString(), false));
  const seenStaffScan = await timed(() => store.seenBy(place(BIG + 2n), M0.toString(), true), ITERATIONS / 4);

  const ms = (n: number) => n.toFixed(2);
  console.log(
    `Unreads: viewer in ${GUILDS} guilds x ${CHANNELS} text channels (+${THREADS} joined threads each, ${DMS} DMs); ` +
      `${visible} visible containers, ${mentions} unread mentions (seeded in ${(seedMs / 1000).toFixed(1)} s)\n`,
  );
  console.log('| query | statements | runs | p50 (ms) | p99 (ms) |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| store.unreads (one statement) | 1 | ${ITERATIONS} | ${ms(single.p50)} | ${ms(single.p99)} |`,
  );
  console.log(
    `| baseline: one statement per guild | ${GUILDS + 2} | ${ITERATIONS / 4} | ${ms(perGuild.p50)} | ${ms(perGuild.p99)} |`,
  );
  console.log(
    `| seenBy, ${BIG_GUILD_MEMBERS} members, channel all see (LIMIT_REACHED) | 1 | ${ITERATIONS} | ${ms(seenEveryone.p50)} | ${ms(seenEveryone.p99)} |`,
  );
  console.log(
    `| seenBy, ${BIG_GUILD_MEMBERS} members, staff channel (51 viewers): candidates only | 1 | ${ITERATIONS} | ${ms(seenStaff.p50)} | ${ms(seenStaff.p99)} |`,
  );
  console.log(
    `| baseline: same, every member a candidate (full scan) | 1 | ${ITERATIONS / 4} | ${ms(seenStaffScan.p50)} | ${ms(seenStaffScan.p99)} |`,
  );
} finally {
  await handle.close();
  await scratch.drop();
}
