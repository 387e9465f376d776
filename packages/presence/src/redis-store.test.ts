import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRedisPresenceStore } from './redis-store.ts';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

// No server needed: nothing listens on port 1, so the connection is refused straight away.
describe('redis presence store startup', () => {
  it('rejects with a clear message, logs the error, and does not leak the password', async () => {
    const { log, lines } = capturingLogger();
    const started = createRedisPresenceStore({ url: 'redis://:hunter2@127.0.0.1:1', keyPrefix: 'x:', log });
    await expect(started).rejects.toThrow(
      /^Cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1.*ECONNREFUSED/,
    );
    await expect(started).rejects.not.toThrow(/hunter2/);
    expect(lines.some((line) => line.msg === 'Redis connection error')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
