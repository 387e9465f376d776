import { silentLogger } from '@gochat/log';
import { describe, expect, it } from 'vitest';

import { Lifecycle } from './lifecycle.ts';
import { partOrder, startParts, startedPart, type PartSpecs } from './parts.ts';

interface Values {
  db: string;
  bus: string;
  store: string;
  relay: string;
}

/** A graph shaped like the host's: the relay needs db and bus, and goes after the store when it runs. */
function specs(log: string[], failing?: keyof Values): PartSpecs<Values, { prefix: string }> {
  const part = (
    name: keyof Values,
    extra: { requires?: (keyof Values)[]; follows?: (keyof Values)[] } = {},
  ) => ({
    label: `the ${name}`,
    ...extra,
    start: async ({ prefix }: { prefix: string }, started: Readonly<Partial<Values>>) => {
      await Promise.resolve(); // a real part connects somewhere first
      if (name === failing) throw new Error(`${name} failed`);
      log.push(`start ${name} after ${Object.keys(started).join('+') || 'nothing'}`);
      return {
        value: `${prefix}${name}`,
        kind: 'memory',
        ready: async () => {},
        stop: () => void log.push(`stop ${name}`),
      };
    },
  });
  return {
    // Declared out of dependency order on purpose: the order comes from requires and follows.
    relay: part('relay', { requires: ['db', 'bus'], follows: ['store'] }),
    db: part('db'),
    bus: part('bus'),
    store: part('store', { requires: ['db'] }),
  };
}

describe('partOrder', () => {
  it('adds what a part requires, each once, and puts it first', () => {
    expect(partOrder(specs([]), ['relay'])).toEqual(['db', 'bus', 'relay']);
    expect(partOrder(specs([]), ['store', 'relay', 'db'])).toEqual(['db', 'bus', 'store', 'relay']);
    expect(partOrder(specs([]), ['bus'])).toEqual(['bus']);
  });

  it('refuses an unknown part and a cycle', () => {
    expect(() => partOrder(specs([]), ['cache' as keyof Values])).toThrow(
      /unknown infrastructure part cache/,
    );
    const cyclic = { ...specs([]), db: { ...specs([]).db, requires: ['store' as const] } };
    expect(() => partOrder(cyclic, ['store'])).toThrow(/depend on each other/);
  });
});

describe('startParts', () => {
  it('starts in dependency order, registers checks, and stops in reverse order', async () => {
    const log: string[] = [];
    const lifecycle = new Lifecycle(silentLogger, 1_000);
    const started = await startParts(
      specs(log),
      ['relay', 'store'],
      { prefix: 'p-' },
      { lifecycle, log: silentLogger },
    );
    expect(started).toEqual({ db: 'p-db', bus: 'p-bus', store: 'p-store', relay: 'p-relay' });
    expect(startedPart(started, 'store')).toBe('p-store');
    expect(log).toEqual([
      'start db after nothing',
      'start bus after db',
      'start store after db+bus',
      'start relay after db+bus+store',
    ]);
    expect(Object.keys((await lifecycle.readiness()).checks).sort()).toEqual([
      'the bus',
      'the db',
      'the relay',
      'the store',
    ]);
    await lifecycle.shutdown('test');
    expect(log.slice(4)).toEqual(['stop relay', 'stop store', 'stop bus', 'stop db']);
  });

  it('stops what did start when a later part fails', async () => {
    const log: string[] = [];
    const lifecycle = new Lifecycle(silentLogger, 1_000);
    await expect(
      startParts(specs(log, 'store'), ['relay', 'store'], { prefix: '' }, { lifecycle, log: silentLogger }),
    ).rejects.toThrow('store failed');
    await lifecycle.shutdown('test');
    expect(log).toEqual(['start db after nothing', 'start bus after db', 'stop bus', 'stop db']);
  });

  it('names a part that was not started', () => {
    expect(() => startedPart<Values, 'bus'>({ db: 'x' }, 'bus')).toThrow(/part bus was not started/);
  });
});
