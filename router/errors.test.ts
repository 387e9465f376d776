import { pino } from 'pino';
import { GraphQLError, Source } from 'graphql';
import { describe, expect, it } from 'vitest';

import { sanitizeError } from './errors.ts';

/** A real logger whose JSON lines are kept for assertions. */
function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}

describe('sanitizeError', () => {
  it('keeps a public code with its message, path and public extensions only', () => {
    const { log, lines } = captureLog();
    const error = new GraphQLError('You cannot read this channel.', {
      path: ['channel', 'messages', 0],
      extensions: {
        code: 'FORBIDDEN',
        retryAfter: 3,
        field: 'channelId',
        serviceName: 'guilds',
        exception: { stacktrace: ['Error: at db.ts:12'] },
        query: 'query { secret }',
      },
    });
    const safe = sanitizeError(error, log, 'req-1');
    expect(safe.message).toBe('You cannot read this channel.');
    expect(safe.path).toEqual(['channel', 'messages', 0]);
    expect(safe.extensions).toEqual({ code: 'FORBIDDEN', retryAfter: 3, field: 'channelId' });
    expect(JSON.stringify(safe.toJSON())).not.toMatch(/guilds|stacktrace|secret/);
    expect(lines).toEqual([]);
  });

  it('keeps the location of a protocol error', () => {
    const { log } = captureLog();
    const source = new Source('{\n  nope\n}');
    const error = new GraphQLError('Cannot query field "nope" on type "Query".', {
      source,
      positions: [4],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const safe = sanitizeError(error, log, 'req-1');
    expect(safe.locations).toEqual([{ line: 2, column: 3 }]);
    expect(safe.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('shows a code-less graphql error that wraps nothing (raised by graphql-js itself) as BAD_USER_INPUT', () => {
    const { log, lines } = captureLog();
    const message = 'Variable "$id" of required type "ID!" was not provided.';
    const safe = sanitizeError(new GraphQLError(message), log, 'r');
    expect(safe.message).toBe(message);
    expect(safe.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(lines).toEqual([]);
  });

  it('masks an unknown code as INTERNAL_SERVER_ERROR with the request id, logging it once', () => {
    const { log, lines } = captureLog();
    const original = new Error('connect ECONNREFUSED 10.0.0.7:4002');
    const error = new GraphQLError('connect ECONNREFUSED 10.0.0.7:4002', {
      path: ['me'],
      originalError: original,
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'accounts' },
    });
    const safe = sanitizeError(error, log, 'req-42');
    expect(safe.message).toBe('Unexpected error.');
    expect(safe.path).toEqual(['me']);
    expect(safe.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' });
    expect(JSON.stringify(safe.toJSON())).not.toMatch(/ECONNREFUSED|accounts|DOWNSTREAM/);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'unexpected error',
      requestId: 'req-42',
      code: 'DOWNSTREAM_SERVICE_ERROR',
      err: { message: 'connect ECONNREFUSED 10.0.0.7:4002' },
    });
  });

  it('masks a code-less error that wraps a plain Error', () => {
    const { log, lines } = captureLog();
    const error = new GraphQLError('secret db detail', { originalError: new Error('secret db detail') });
    const safe = sanitizeError(error, log, 'req-7');
    expect(safe.message).toBe('Unexpected error.');
    expect(safe.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-7' });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.requestId).toBe('req-7');
  });
});
