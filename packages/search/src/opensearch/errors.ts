import { errors } from '@opensearch-project/opensearch';

/** The logger the index reports to (a pino Logger fits). */
export interface SearchLog {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

export const silentLog: SearchLog = { info: () => {}, warn: () => {} };

/** What OpenSearch said about a failed request: for logs only. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof errors.ResponseError) {
    const body = error.meta.body as
      { error?: { type?: unknown; reason?: unknown; root_cause?: unknown } } | undefined;
    return {
      status: error.meta.statusCode,
      type: body?.error?.type,
      reason: body?.error?.reason,
      rootCause: body?.error?.root_cause,
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { error: String(error) };
}

/** The error type OpenSearch answered with, when it answered. */
export function errorType(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const type = (error.meta.body as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Runs one OpenSearch call. A failure is logged with OpenSearch's details and rethrown as a plain
 * `search index: <operation> failed`: callers (and through them users) never see cluster internals
 * such as index names, shard states or query fragments; the original stays as `cause` for traces.
 */
export async function guarded<T>(log: SearchLog, operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SearchIndexError) throw error;
    log.warn({ operation, ...describeError(error) }, 'OpenSearch request failed');
    throw new SearchIndexError(`search index: ${operation} failed`, { cause: error });
  }
}

/** A failure of the OpenSearch index, its message free of OpenSearch details. */
export class SearchIndexError extends Error {
  override readonly name = 'SearchIndexError';
}
