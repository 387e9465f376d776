import fs from 'node:fs';

import type { Logger } from '@gochat/log';
import type { Client } from 'cassandra-driver';

import type { ScyllaOptions } from '../options.ts';
import { backfillMessagesByAuthor } from './backfill.ts';

export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface CqlMigration {
  /** The file name, e.g. 0001_messages.cql: applied in name order, recorded once applied. */
  name: string;
  statements: string[];
}

/**
 * The statements of a CQL file: whole-line `--` and `//` comments dropped, split on a `;` that ends
 * a line (as cqlsh scripts are written), so a `;` inside a line never splits a statement.
 */
export function splitCql(text: string): string[] {
  const code = text
    .split('\n')
    .filter((line) => !/^\s*(--|\/\/)/.test(line))
    .join('\n');
  return code
    .split(/;[ \t]*\r?$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

export function readCqlMigrations(dir: URL = MIGRATIONS_DIR): CqlMigration[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.cql$/.test(name))
    .sort()
    .map((name) => ({ name, statements: splitCql(fs.readFileSync(new URL(name, dir), 'utf8')) }));
}

const KEYSPACE = /^[a-z][a-z0-9_]{0,47}$/;

/** Work on the data a migration needs besides its statements; idempotent, as it may run again. */
export type DataStep = (client: Client, keyspace: string, log: Logger) => Promise<unknown>;

/** By migration name: run after the file's statements, before the migration is recorded. */
export const DATA_STEPS: Readonly<Record<string, DataStep>> = {
  '0003_messages_by_author.cql': backfillMessagesByAuthor,
};

/** ALTER TABLE ... ADD has no IF NOT EXISTS in ScyllaDB: columns already there mean it was applied. */
export function isAlreadyAdded(statement: string, error: unknown): boolean {
  return (
    /^ALTER TABLE \w+ ADD\b/i.test(statement) &&
    error instanceof Error &&
    /conflicts with an existing column|already exists/i.test(error.message)
  );
}

async function executeSchemaStatement(client: Client, statement: string): Promise<void> {
  try {
    await client.execute(statement);
  } catch (error) {
    if (!isAlreadyAdded(statement, error)) throw error;
  }
}

/**
 * Creates the keyspace when missing (SimpleStrategy with the configured replication factor; an
 * existing keyspace is left as it is), then applies the migrations not yet recorded in its
 * schema_migrations table, in order. Every statement is IF NOT EXISTS, or an ALTER TABLE ... ADD whose
 * columns found present count as added, so two processes migrating at once, or a run interrupted
 * between a statement and its record, are harmless. A migration's data step (DATA_STEPS) runs
 * before its record too, so an interrupted one runs again; each is idempotent.
 * Returns the names of the migrations applied by this call.
 */
export async function applyCqlMigrations(
  client: Client,
  config: Pick<ScyllaOptions, 'keyspace' | 'replicationFactor'>,
  log: Logger,
  migrations: CqlMigration[] = readCqlMigrations(),
  steps: Readonly<Record<string, DataStep>> = DATA_STEPS,
): Promise<string[]> {
  const { keyspace, replicationFactor } = config;
  // Identifiers cannot be bound; the config schema already restricts the name, this keeps it so.
  if (!KEYSPACE.test(keyspace)) throw new Error(`invalid ScyllaDB keyspace name: ${keyspace}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1)
    throw new Error(`invalid replication factor: ${replicationFactor}`);

  // Schema statements run once each and are not prepared; the driver waits for schema agreement.
  await client.execute(
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ` +
      `{'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`,
  );
  // Migration files name their tables without the keyspace, as a cqlsh script after USE would.
  await client.execute(`USE ${keyspace}`);
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${keyspace}.schema_migrations (name text PRIMARY KEY, applied_at timestamp)`,
  );

  const recorded = await client.execute(`SELECT name FROM ${keyspace}.schema_migrations`, [], {
    prepare: true,
    isIdempotent: true,
  });
  const done = new Set(recorded.rows.map((row) => String(row.get('name'))));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    for (const statement of migration.statements) await executeSchemaStatement(client, statement);
    await steps[migration.name]?.(client, keyspace, log);
    await client.execute(
      `INSERT INTO ${keyspace}.schema_migrations (name, applied_at) VALUES (?, ?)`,
      [migration.name, new Date()],
      { prepare: true, isIdempotent: true },
    );
    applied.push(migration.name);
  }
  log.info({ keyspace, applied, total: migrations.length }, 'scylla: CQL migrations applied');
  return applied;
}
