import * as schema from '@gochat/drizzle';
import { eq, sql, type SQL } from 'drizzle-orm';

export { postgresPoolConfig, type PostgresTls } from './postgres-config.ts';

export type { Schema, Database, Transaction, DatabaseHandle, DatabaseOptions } from './types.ts';
import type { Database, DatabaseHandle, DatabaseOptions, Transaction } from './types.ts';

/**
 * Each driver is imported when it is chosen: an embedded process never loads node-postgres, and a
 * process on PostgreSQL never loads PGlite's WebAssembly (decision 0037).
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(options.url, options);
  }
  const { openPglite } = await import('./pglite.ts');
  return openPglite(options);
}
/** Rows of a raw statement, across both drivers (both results carry `rows`). */
export async function queryRows<T extends Record<string, unknown>>(
  db: Database | Transaction,
  query: SQL,
): Promise<T[]> {
  const result: { rows: T[] } = await (db.execute(query) as Promise<unknown> as Promise<{ rows: T[] }>);
  return result.rows;
}

export async function tableExists(db: Database, table: string): Promise<boolean> {
  const rows = await queryRows<{ exists: boolean }>(
    db,
    sql`select to_regclass(${`public.${table}`}) is not null as exists`,
  );
  return Boolean(rows[0]?.exists);
}

/**
 * Whether the user row exists. Subgraphs ask only after a user's request failed, to tell the request
 * of an account deleted since its JWT was issued (UNAUTHENTICATED) from any other failure.
 */
export async function userExists(db: Database, userId: string): Promise<boolean> {
  const rows = await db
    .select({ id: schema.user.id })
    .from(schema.user)
    .where(eq(schema.user.id, userId))
    .limit(1);
  return rows.length > 0;
}

/** The error and every `cause` below it: drizzle wraps driver errors, and drivers differ in depth. */
function* causeChain(error: unknown): Generator<{ code?: unknown; constraint?: unknown }> {
  for (let e = error as { cause?: unknown } | undefined; e && typeof e === 'object'; e = e.cause as typeof e)
    yield e as { code?: unknown; constraint?: unknown };
}

/** The SQLSTATE of a driver error, however drizzle wrapped it. */
export function pgErrorCode(error: unknown): string | undefined {
  for (const e of causeChain(error))
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

/** True for a unique-constraint violation (optionally of one named constraint). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (pgErrorCode(error) !== '23505') return false;
  return constraint === undefined || [...causeChain(error)].some((e) => e.constraint === constraint);
}

/** True for a foreign-key violation: the row points at something that does not exist (any more). */
export const isForeignKeyViolation = (error: unknown): boolean => pgErrorCode(error) === '23503';
