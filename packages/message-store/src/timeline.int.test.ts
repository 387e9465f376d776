import { applyEnv, scyllaSection } from '@gochat/config';
import { channels, guilds, user } from '@gochat/drizzle';
import { createSnowflakeGenerator } from '@gochat/ids';
import { silentLogger } from '@gochat/log';
import { realServer, uniqueName } from '@gochat/testkit';
import { describe, expect, it } from 'vitest';

import { createPostgresTimeline } from './postgres.ts';
import {
  applyCqlMigrations,
  connectScylla,
  createScyllaTimeline,
  readCqlMigrations,
} from './scylla/index.ts';
import { bucketOf } from './scylla/buckets.ts';
import { openTestDatabase } from './test-database.ts';
import { timelineContract, type TimelineWorld } from './timeline.contract.ts';

const pgUrl = await realServer('postgres');

const postgresWorld = (adminUrl: string | null) => async (): Promise<TimelineWorld> => {
  const { handle, drop } = await openTestDatabase(adminUrl);
  return { timeline: createPostgresTimeline(handle.db), db: handle.db, close: drop };
};

timelineContract('postgres timeline on pglite', postgresWorld(null));
describe.skipIf(!pgUrl)('on a PostgreSQL server', () => {
  timelineContract('postgres timeline on postgresql', postgresWorld(pgUrl));
});

// ScyllaDB cannot be installed on these machines: its suite runs wherever SCYLLA_HOSTS names a cluster
// (with SCYLLA_LOCAL_DC, SCYLLA_USERNAME, SCYLLA_PASSWORD as the servers read them).
// eslint-disable-next-line no-process-env
const scyllaEnv = applyEnv({}, process.env).scylla as Record<string, unknown> | undefined;
const scylla = scyllaSection.parse({ ...scyllaEnv, keyspace: uniqueName('gochat_t').toLowerCase() });

if (!scylla.hosts?.length) console.log('ScyllaDB suite skipped: SCYLLA_HOSTS is not set');

describe.skipIf(!scylla.hosts?.length)('on ScyllaDB', () => {
  // Staged writes live in PostgreSQL next to the outbox: the server when there is one, else PGlite.
  const scyllaWorld = async (): Promise<TimelineWorld> => {
    const { handle, drop } = await openTestDatabase(pgUrl);
    const client = await connectScylla(scylla, silentLogger);
    await applyCqlMigrations(client, scylla, silentLogger);
    return {
      timeline: createScyllaTimeline({ client, db: handle.db, keyspace: scylla.keyspace, log: silentLogger }),
      db: handle.db,
      close: async () => {
        await client.execute(`DROP KEYSPACE IF EXISTS ${scylla.keyspace}`);
        await client.shutdown();
        await drop();
      },
    };
  };

  timelineContract('scylla timeline', scyllaWorld);

  it('CQL migrations create the keyspace and tables once and record each file', async () => {
    const keyspace = uniqueName('gochat_t').toLowerCase();
    const config = { ...scylla, keyspace };
    const client = await connectScylla(config, silentLogger);
    try {
      const files = readCqlMigrations().map((m) => m.name);
      expect(files).toContain('0001_messages.cql');
      expect(await applyCqlMigrations(client, config, silentLogger)).toEqual(files);
      expect(await applyCqlMigrations(client, config, silentLogger)).toEqual([]);
      const recorded = await client.execute(`SELECT name FROM ${keyspace}.schema_migrations`, [], {
        prepare: true,
      });
      expect(recorded.rows.map((r) => String(r.get('name'))).sort()).toEqual(files);
      const tables = await client.execute(
        'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
        [keyspace],
        { prepare: true },
      );
      expect(tables.rows.map((r) => String(r.get('table_name'))).sort()).toEqual([
        'author_buckets',
        'channel_buckets',
        'messages',
        'messages_by_author',
        'schema_migrations',
      ]);
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await client.shutdown();
    }
  });

  it('migration 0003 indexes the messages written before it under their authors', async () => {
    const keyspace = uniqueName('gochat_t').toLowerCase();
    const config = { ...scylla, keyspace };
    const client = await connectScylla(config, silentLogger);
    const { handle, drop } = await openTestDatabase(pgUrl);
    try {
      const migrations = readCqlMigrations();
      await applyCqlMigrations(
        client,
        config,
        silentLogger,
        migrations.filter((m) => m.name < '0003'),
      );
      const ids = createSnowflakeGenerator(9);
      const [author, guildId, channelId] = [ids.next(), ids.next(), ids.next()];
      await handle.db
        .insert(user)
        .values({ id: author, name: 'Early', email: `early-${author}@timeline.test`, emailVerified: true });
      await handle.db.insert(guilds).values({ id: guildId, name: 'Early guild', ownerId: author });
      await handle.db.insert(channels).values({ id: channelId, guildId, kind: 'text', name: 'early' });
      const [joined, first, second] = [ids.next(), ids.next(), ids.next()];
      for (const [id, kind] of [
        [joined, 'guild_member_join'],
        [first, 'default'],
        [second, 'default'],
      ] as const)
        await client.execute(
          `INSERT INTO ${keyspace}.messages (channel_id, bucket, id, parent_channel_id, guild_id, author_id, kind, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [channelId, bucketOf(id), id, channelId, guildId, author, kind, `early ${id}`],
          { prepare: true },
        );
      expect(await applyCqlMigrations(client, config, silentLogger)).toEqual(['0003_messages_by_author.cql']);
      const timeline = createScyllaTimeline({ client, db: handle.db, keyspace, log: silentLogger });
      expect((await timeline.authoredBy!(author, { limit: 10 })).map((m) => m.id)).toEqual([second, first]);
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await client.shutdown();
      await drop();
    }
  });
});
