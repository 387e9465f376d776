/** Throwaway PostgreSQL databases for the benchmarks, on the server at GOCHAT_BENCH_DATABASE_URL. */
import crypto from 'node:crypto';

import pg from 'pg';

// eslint-disable-next-line no-process-env -- a command-line tool configured by its environment
const env = process.env;
export const adminUrl =
  env.GOCHAT_BENCH_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement on the admin connection (create or drop a database). */
export async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A new, empty gochat_t_bench_* database: its name, URL and how to drop it. */
export async function createScratchDatabase(): Promise<{
  name: string;
  url: string;
  drop: () => Promise<void>;
}> {
  const name = `gochat_t_bench_${crypto.randomBytes(4).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await admin(`create database "${name}"`);
  return { name, url: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}
