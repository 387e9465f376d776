import { applyEnv, scyllaSection } from '@gochat/config';
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
        'channel_buckets',
        'messages',
        'schema_migrations',
      ]);
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await client.shutdown();
    }
  });
});
