/**
 * Members-list pagination on a 100,000-member guild, on real PostgreSQL: the store's keyset page
 * (`user_id > cursor`, served by the primary key) against OFFSET pagination at the same depths.
 * Creates a throwaway database and drops it at the end. Run: npx tsx bench/members.ts
 */
import os from 'node:os';

import { openDatabase } from '@gochat/db';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { sql } from 'drizzle-orm';

import { membersStore } from '../subgraphs/guilds/store/members.ts';
import { createScratchDatabase } from './scratch-database.ts';

const MEMBERS = 100_000;
const PAGE = 100;
const ITERATIONS = 200;
const BASE = 1_000_000_000_000_000_000n; // user ids BASE+1..BASE+MEMBERS: equal length, so text order is numeric
const GUILD = '2000000000000000000';

async function timed(run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 20; i++) await run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95) };
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
  await db.execute(sql`insert into "user" (id, name, email, email_verified)
    select (${BASE}::numeric + g)::text, 'u' || g, 'u' || g || '@bench.test', true from generate_series(1, ${MEMBERS}) g`);
  await db.execute(
    sql`insert into guilds (id, name, owner_id) values (${GUILD}, 'Bench', ${(BASE + 1n).toString()})`,
  );
  await db.execute(sql`insert into roles (id, guild_id, name, position) values
    (${GUILD}, ${GUILD}, '@everyone', 0), (${GUILD}::bigint + 1, ${GUILD}, 'Every tenth', 1)`);
  await db.execute(sql`insert into guild_members (guild_id, user_id) select ${GUILD}, id from "user"`);
  await db.execute(sql`insert into member_roles (guild_id, user_id, role_id)
    select ${GUILD}, id, ${GUILD}::bigint + 1 from "user" where right(id, 1) = '0'`);
  await db.execute(sql`analyze`);
  const seedMs = performance.now() - seeded;

  const store = membersStore(db, createSnowflakeGenerator(1));
  const depths: [string, number][] = [
    ['start', 0],
    ['middle', MEMBERS / 2],
    ['end', MEMBERS - PAGE],
  ];
  const rows: string[] = [];
  for (const [label, offset] of depths) {
    const cursor = offset === 0 ? null : (BASE + BigInt(offset)).toString(); // the user id just before the page
    const page = await store.guildMembersPage(GUILD, PAGE, cursor);
    if (page.nodes[0]?.userId !== (BASE + BigInt(offset) + 1n).toString())
      throw new Error(`wrong page at ${label}`);
    const keyset = await timed(() => store.guildMembersPage(GUILD, PAGE, cursor));
    const offsetQuery = await timed(() =>
      db.execute(sql`select gm.*, (select array_agg(mr.role_id::text) from member_roles mr
          where mr.guild_id = gm.guild_id and mr.user_id = gm.user_id) as role_ids
        from guild_members gm where gm.guild_id = ${GUILD} order by gm.user_id limit ${PAGE + 1} offset ${offset}`),
    );
    const ms = (n: number) => n.toFixed(2);
    rows.push(
      `| ${label} (offset ${offset}) | ${ms(keyset.p50)} | ${ms(keyset.p95)} | ${ms(offsetQuery.p50)} | ${ms(offsetQuery.p95)} |`,
    );
  }
  console.log(
    `Members pagination: ${MEMBERS} members, first=${PAGE}, ${ITERATIONS} runs each (seeded in ${(seedMs / 1000).toFixed(1)} s)\n`,
  );
  console.log('| depth | keyset p50 (ms) | keyset p95 (ms) | OFFSET p50 (ms) | OFFSET p95 (ms) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
} finally {
  await handle.close();
  await scratch.drop();
}
