import { describe, expect, it } from 'vitest';

import { isAlreadyAdded, readCqlMigrations, splitCql } from './migrate.ts';

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

const KEYWORDS = new Set(
  'select from where and in order by desc asc limit insert into values using timestamp update set delete'.split(
    ' ',
  ),
);

describe('CQL migrations and the timeline statements', () => {
  const migrations = readCqlMigrations();
  const tables = tablesOf(migrations.flatMap((m) => m.statements));

  it('are numbered files whose every statement is idempotent and keyspace-free', () => {
    expect(migrations.map((m) => m.name)).toEqual(['0001_messages.cql', '0002_embeds.cql']);
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

  it('create the messages and channel_buckets tables with the documented keys', () => {
    expect([...tables.keys()].sort()).toEqual(['channel_buckets', 'messages']);
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
      const partitionKey = table === 'messages' ? 'channel_id = ? AND bucket = ?' : 'channel_id = ?';
      if (!cql.startsWith('INSERT')) expect(cql, name).toContain(`WHERE ${partitionKey}`);
      expect(cql).not.toMatch(/ALLOW FILTERING/i);
    }
  });

  it('bind one value per inserted column, plus the write timestamp', () => {
    const { insert } = timelineCql('ks');
    const columns = /\(([^)]+)\) VALUES/.exec(insert)![1]!.split(',');
    expect(insert.match(/\?/g)).toHaveLength(columns.length + 1);
  });
});
