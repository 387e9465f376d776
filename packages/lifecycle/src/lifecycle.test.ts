import { silentLogger } from '@gochat/log';
import { describe, expect, it } from 'vitest';

import { Lifecycle } from './lifecycle.ts';

describe('Lifecycle', () => {
  it('unwinds teardown steps in reverse order and reports a clean drain', async () => {
    const lifecycle = new Lifecycle(silentLogger, 1_000);
    const order: string[] = [];
    lifecycle.defer('db', () => void order.push('db'));
    lifecycle.defer('bus', async () => {
      await new Promise((r) => setTimeout(r, 10));
      order.push('bus');
    });
    lifecycle.defer('http', () => void order.push('http'));
    expect(await lifecycle.shutdown('test')).toBe(true);
    expect(order).toEqual(['http', 'bus', 'db']);
  });

  it('fails readiness as soon as draining starts, before teardown runs', async () => {
    const lifecycle = new Lifecycle(silentLogger, 1_000);
    lifecycle.addReadinessCheck('db', async () => {});
    expect((await lifecycle.readiness()).ready).toBe(true);
    let readyDuringTeardown: boolean | undefined;
    lifecycle.defer('probe', async () => {
      readyDuringTeardown = (await lifecycle.readiness()).ready;
    });
    await lifecycle.shutdown('test');
    expect(readyDuringTeardown).toBe(false);
  });

  it('reports failing checks by name', async () => {
    const lifecycle = new Lifecycle(silentLogger, 1_000);
    lifecycle.addReadinessCheck('db', async () => {});
    lifecycle.addReadinessCheck('bus', () => Promise.reject(new Error('disconnected')));
    expect(await lifecycle.readiness()).toEqual({ ready: false, checks: { db: 'ok', bus: 'disconnected' } });
  });

  it('is unclean when a step throws, and still runs the remaining steps', async () => {
    const lifecycle = new Lifecycle(silentLogger, 1_000);
    let dbClosed = false;
    lifecycle.defer('db', () => {
      dbClosed = true;
    });
    lifecycle.defer('bus', () => {
      throw new Error('drain failed');
    });
    expect(await lifecycle.shutdown('test')).toBe(false);
    expect(dbClosed).toBe(true);
  });

  it('is unclean when the deadline passes', async () => {
    const lifecycle = new Lifecycle(silentLogger, 50);
    lifecycle.defer('stuck', () => new Promise(() => {}));
    const started = Date.now();
    expect(await lifecycle.shutdown('test')).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('runs once however often it is asked', async () => {
    const lifecycle = new Lifecycle(silentLogger, 1_000);
    let runs = 0;
    lifecycle.defer('count', () => void runs++);
    await Promise.all([lifecycle.shutdown('a'), lifecycle.shutdown('b')]);
    expect(runs).toBe(1);
  });
});
