import type { Logger } from '@gochat/log';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { scheduleAuditPurge } from './audit-purge.ts';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00.000Z');

function recordingLog() {
  const lines: { level: string; obj: unknown; msg: string }[] = [];
  const at = (level: string) => (obj: unknown, msg: string) => void lines.push({ level, obj, msg });
  return { log: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger, lines };
}

describe('scheduleAuditPurge', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('purges what is older than 45 days, once at start and then every hour', async () => {
    const calls: Date[] = [];
    const { log, lines } = recordingLog();
    const purge = scheduleAuditPurge({
      purge: (olderThan) => {
        calls.push(olderThan);
        return Promise.resolve(7);
      },
      log,
      now: () => NOW,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([new Date(NOW.getTime() - 45 * DAY_MS)]);
    await vi.advanceTimersByTimeAsync(3_600_000 - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(calls).toHaveLength(4);
    expect(lines.filter((l) => l.level === 'info')).toHaveLength(4);
    purge.stop();
    await vi.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(calls).toHaveLength(4);
  });

  it('takes the retention and interval as options, and runOnce returns the count', async () => {
    const calls: Date[] = [];
    const purge = scheduleAuditPurge({
      purge: (olderThan) => {
        calls.push(olderThan);
        return Promise.resolve(3);
      },
      log: recordingLog().log,
      retentionDays: 10,
      intervalMs: 1000,
      now: () => NOW,
    });
    purge.stop();
    expect(await purge.runOnce()).toBe(3);
    expect(calls).toEqual([new Date(NOW.getTime() - 10 * DAY_MS)]);
  });

  it('logs failures and keeps going; never throws or rejects', async () => {
    let attempts = 0;
    const { log, lines } = recordingLog();
    const purge = scheduleAuditPurge({
      purge: () => {
        attempts++;
        if (attempts === 1) throw new Error('synchronous failure');
        if (attempts === 2) return Promise.reject(new Error('database down'));
        return Promise.resolve(1);
      },
      log,
      intervalMs: 1000,
      now: () => NOW,
    });
    purge.stop();
    expect(await purge.runOnce()).toBe(0);
    expect(await purge.runOnce()).toBe(0);
    expect(await purge.runOnce()).toBe(1);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toHaveLength(2);
  });

  it('does not overlap runs: a run asked for while one is going joins it', async () => {
    let finish: (n: number) => void = () => undefined;
    let calls = 0;
    const purge = scheduleAuditPurge({
      purge: () => {
        calls++;
        return new Promise<number>((resolve) => (finish = resolve));
      },
      log: recordingLog().log,
      now: () => NOW,
    });
    purge.stop();
    const first = purge.runOnce();
    const second = purge.runOnce();
    expect(calls).toBe(1);
    finish(5);
    expect(await first).toBe(5);
    expect(await second).toBe(5);
    const third = purge.runOnce();
    expect(calls).toBe(2);
    finish(0);
    expect(await third).toBe(0);
  });

  it('does not keep the process alive', () => {
    const spy = vi.spyOn(globalThis, 'setInterval');
    const purge = scheduleAuditPurge({ purge: () => Promise.resolve(0), log: recordingLog().log });
    const timer = spy.mock.results[0]?.value as { hasRef?: () => boolean } | undefined;
    expect(timer?.hasRef?.()).toBe(false);
    purge.stop();
    spy.mockRestore();
  });
});
