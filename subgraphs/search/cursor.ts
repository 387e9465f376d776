import { validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';
import type { SearchCursor, SearchSort } from '@gochat/search';
import { z } from 'zod';

/** Deepest page relevance paging reaches (each page re-ranks everything before it). */
export const MAX_OFFSET = 5_000;

const cursorSchema = z.strictObject({
  v: z.literal(1),
  s: z.enum(['relevance', 'newest', 'oldest']),
  id: z.string().refine(isSnowflake).optional(),
  o: z.number().int().min(1).max(MAX_OFFSET).optional(),
});

/** Opaque to clients: base64url JSON naming the sort it belongs to. */
export function encodeCursor(sort: SearchSort, cursor: SearchCursor): string {
  const body = cursor.kind === 'id' ? { v: 1, s: sort, id: cursor.id } : { v: 1, s: sort, o: cursor.offset };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The cursor a previous page gave for this sort; anything else is VALIDATION. */
export function decodeCursor(value: string, sort: SearchSort): SearchCursor {
  const invalid = () => validation('after: not a cursor of this search', 'after');
  let body: unknown;
  try {
    if (value.length > 200 || !/^[A-Za-z0-9_-]+$/.test(value)) throw invalid();
    body = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = cursorSchema.safeParse(body);
  if (!parsed.success || parsed.data.s !== sort) throw invalid();
  const { id, o } = parsed.data;
  if (sort === 'relevance' && o !== undefined && id === undefined) return { kind: 'offset', offset: o };
  // Relevance with nothing to rank (a query of filters only) pages by time, as newest does.
  if (id !== undefined && o === undefined) return { kind: 'id', id };
  throw invalid();
}

/** Pages past MAX_OFFSET are refused rather than ranked: the next cursor stops there. */
export function nextCursor(sort: SearchSort, cursor: SearchCursor | null): string | null {
  if (!cursor) return null;
  if (cursor.kind === 'offset' && cursor.offset > MAX_OFFSET) return null;
  return encodeCursor(sort, cursor);
}
