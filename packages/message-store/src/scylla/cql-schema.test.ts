import { describe, expect, it } from 'vitest';

import { silentLogger } from '@gochat/log';
import type { Client } from 'cassandra-driver';

import { DATA_STEPS, applyCqlMigrations, isAlreadyAdded, readCqlMigrations, splitCql } from './migrate.ts';

import { timelineCql } from './timeline.ts';

/*
 * No CQL server runs here (the ScyllaDB contract suite needs SCYLLA_HOSTS), so these check what can
 * be checked without one: the migration files split as intended, and every statement the timeline
 * sends names only tables and columns the migrations create, with the full partition key.
 */

describe('splitCql', () => {
  it('splits on a semicolon that ends a line and drops whole-line comments', () => {
    const text = [
      '-- a comment; with a semicolon',
      'CREATE TABLE IF NOT EXISTS a (',
      "  x text, -- 'inline; text' stays",
      '  PRIMARY KEY (x)',
      ');   ',
      '// another comment',
      "INSERT INTO a (x) VALUES ('p;q');\r",
      '',
      'SELECT * FROM a',
    ].join('\n');
    expect(splitCql(text)).toEqual([
      "CREATE TABLE IF NOT EXISTS a (\n  x text, -- 'inline; text' stays\n  PRIMARY KEY (x)\n)",
      "INSERT INTO a (x) VALUES ('p;q')",
      'SELECT * FROM a',
    ]);
    expect(splitCql('-- only comments\n\n')).toEqual([]);
  });
});

/** Column names of each CREATE TABLE, and its full statement. */
function tablesOf(statements: string[]): Map<string, { columns: Set<string>; ddl: string }> {
  const tables = new Map<string, { columns: Set<string>; ddl: string }>();
  for (const ddl of statements) {
    const name = /^CREATE TABLE IF NOT EXISTS (\w+) \(/.exec(ddl)?.[1];
    if (!name) continue;
    const columns = [...ddl.matchAll(/^\s+(\w+) [\w<>, ]+?,$/gm)].map((m) => m[1]!);
    tables.set(name, { columns: new Set(columns), ddl });
  }
  // Columns added later: ALTER TABLE t ADD (a type, b type).
  for (const ddl of statements) {
    const [, name, added] = /^ALTER TABLE (\w+) ADD \(([^)]+)\)$/.exec(ddl) ?? [];
    if (!name || !added) continue;
    for (const column of added.split(',')) tables.get(name)?.columns.add(column.trim().split(' ')[0]!);
  }
  return tables;
}

/** The WHERE clause that restricts each table's whole partition key. */
const PARTITION_KEYS: Record<string, string> = {
  messages: 'channel_id = ? AND bucket = ?',
  channel_buckets: 'channel_id = ?',
  messages_by_author: 'author_id = ? AND bucket = ?',
  author_buckets: 'author_id = ?',
};

const KEYWORDS = new Set(
  'select from where and in order by desc asc limit insert into values using timestamp update set delete'.split(
    ' ',
  ),
);

describe('CQL migrations and the timeline statements', () => {
  const migrations = readCqlMigrations();
  const tables = tablesOf(migrations.flatMap((m) => m.statements));

  it('are numbered files whose every statement is idempotent and keyspace-free', () => {
    expect(migrations.map((m) => m.name)).toEqual([
      '0001_messages.cql',
      '0002_embeds.cql',
      '0003_messages_by_author.cql',
    ]);
    for (const statement of migrations.flatMap((m) => m.statements)) {
      // ALTER ... ADD has no IF NOT EXISTS: one statement per file adds all its columns at once, and
      // migrate.ts takes "conflicts with an existing column" as applied.
      expect(statement).toMatch(
        /^(CREATE (TABLE|TYPE|INDEX|MATERIALIZED VIEW) IF NOT EXISTS \w+ |ALTER TABLE \w+ ADD \([^)]+\)$)/,
      );
      expect(statement).not.toContain(';');
    }
  });

  it('take an ALTER TABLE ADD whose columns exist as applied, and nothing else', () => {
    const alter = 'ALTER TABLE messages ADD (embeds text)';
    const conflict = new Error('Invalid column name embeds because it conflicts with an existing column');
    expect(isAlreadyAdded(alter, conflict)).toBe(true);
    expect(isAlreadyAdded(alter, new Error('Unconfigured table messages'))).toBe(false);
    expect(isAlreadyAdded('CREATE TABLE IF NOT EXISTS x (a int PRIMARY KEY)', conflict)).toBe(false);
  });

  it('create the messages, messages_by_author and bucket tables with the documented keys', () => {
    expect([...tables.keys()].sort()).toEqual([
      'author_buckets',
      'channel_buckets',
      'messages',
      'messages_by_author',
    ]);
    const messages = tables.get('messages')!;
    expect(messages.ddl).toContain('PRIMARY KEY ((channel_id, bucket), id)');
    expect(messages.ddl).toMatch(/\) WITH CLUSTERING ORDER BY \(id DESC\)$/);
    expect([...messages.columns].sort()).toEqual(
      [
        'channel_id',
        'bucket',
        'id',
        'parent_channel_id',
        'guild_id',
        'author_id',
        'kind',
        'content',
        'reply_to_id',
        'mention_users',
        'mention_roles',
        'mention_everyone',
        'mention_here',
        'attachments',
        'edited_at',
        'embeds',
        'link_embeds',
        'embeds_suppressed',
      ].sort(),
    );
    const buckets = tables.get('channel_buckets')!;
    expect(buckets.ddl).toContain('PRIMARY KEY (channel_id, bucket)');
    expect(buckets.ddl).toMatch(/\) WITH CLUSTERING ORDER BY \(bucket DESC\)$/);
    // By author: bucketed as messages, an index holding only each message's container.
    const byAuthor = tables.get('messages_by_author')!;
    expect(byAuthor.ddl).toContain('PRIMARY KEY ((author_id, bucket), id)');
    expect(byAuthor.ddl).toMatch(/\) WITH CLUSTERING ORDER BY \(id DESC\)$/);
    expect([...byAuthor.columns].sort()).toEqual(['author_id', 'bucket', 'channel_id', 'id']);
    const authorBuckets = tables.get('author_buckets')!;
    expect(authorBuckets.ddl).toContain('PRIMARY KEY (author_id, bucket)');
    expect(authorBuckets.ddl).toMatch(/\) WITH CLUSTERING ORDER BY \(bucket DESC\)$/);
  });

  it('name only those tables and columns, bind every value, and restrict the whole partition key', () => {
    const statements = Object.entries(timelineCql('ks'));
    expect(statements.length).toBeGreaterThan(5);
    for (const [name, cql] of statements) {
      const table = /\bks\.(\w+)\b/.exec(cql)?.[1];
      expect(table, name).toBeDefined();
      const columns = tables.get(table!)?.columns;
      expect(columns, `${name}: table ${table}`).toBeDefined();
      const words = cql.replace(/\bks\.\w+\b/g, '').match(/\b[a-z_]+\b/gi) ?? [];
      for (const word of words)
        if (!KEYWORDS.has(word.toLowerCase())) expect(columns!.has(word), `${name}: ${word}`).toBe(true);
      // Values are bind markers only: no literals for the driver to mis-type.
      expect(cql.replace(/\bks\.\w+\b/g, ''), name).not.toMatch(/'|\b\d+\b/);
      // A single partition per statement: no scans, no ALLOW FILTERING.
      const partitionKey = PARTITION_KEYS[table!];
      expect(partitionKey, `${name}: partition key of ${table}`).toBeDefined();
      if (!cql.startsWith('INSERT')) expect(cql, name).toContain(`WHERE ${partitionKey}`);
      expect(cql).not.toMatch(/ALLOW FILTERING/i);
    }
  });

  it('bind one value per inserted column, plus the write timestamp', () => {
    const { insert, indexByAuthor } = timelineCql('ks');
    for (const statement of [insert, indexByAuthor]) {
      const columns = /\(([^)]+)\) VALUES/.exec(statement)![1]!.split(',');
      expect(statement.match(/\?/g)).toHaveLength(columns.length + 1);
    }
  });
});

describe('applyCqlMigrations with a data step', () => {
  /** Records the statements sent; `schema_migrations` starts empty. */
  const fakeClient = (failOn?: string) => {
    const sent: string[] = [];
    const client = {
      execute: (query: string) => {
        sent.push(query);
        if (failOn && query.includes(failOn)) return Promise.reject(new Error(`failed: ${failOn}`));
        return Promise.resolve({ rows: [] });
      },
    } as unknown as Client;
    return { client, sent };
  };
  const config = { keyspace: 'ks', replicationFactor: 1 };
  const migration = { name: '0009_x.cql', statements: ['CREATE TABLE IF NOT EXISTS x (a int PRIMARY KEY)'] };

  it('runs after the statements and before the record; a failed step leaves the migration unrecorded', async () => {
    const ok = fakeClient();
    const step = async (client: Client) => {
      await client.execute('STEP');
    };
    expect(
      await applyCqlMigrations(ok.client, config, silentLogger, [migration], { '0009_x.cql': step }),
    ).toEqual(['0009_x.cql']);
    const at = (text: string) => ok.sent.findIndex((q) => q.includes(text));
    expect(at('CREATE TABLE IF NOT EXISTS x')).toBeLessThan(at('STEP'));
    expect(at('STEP')).toBeLessThan(at('INSERT INTO ks.schema_migrations'));

    const failing = fakeClient('STEP');
    await expect(
      applyCqlMigrations(failing.client, config, silentLogger, [migration], { '0009_x.cql': step }),
    ).rejects.toThrow('failed: STEP');
    expect(failing.sent.some((q) => q.includes('INSERT INTO ks.schema_migrations'))).toBe(false);
  });

  it('are keyed by migration files that exist (the backfill of messages_by_author)', () => {
    const names = readCqlMigrations().map((m) => m.name);
    expect(Object.keys(DATA_STEPS)).toEqual(['0003_messages_by_author.cql']);
    for (const name of Object.keys(DATA_STEPS)) expect(names).toContain(name);
  });
});
