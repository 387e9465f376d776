import { DomainError } from '@gochat/errors';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectInput, Presence, PresenceStore } from './port.ts';

/**
 * Makes a store for a namespace. Two calls with the same namespace must share state (two routers on one
 * Redis); different namespaces must not. The caller adds whatever makes a namespace unique to the run.
 */
export type PresenceStoreFactory = (namespace: string) => Promise<PresenceStore>;

/** The clock every store of the factory reads, moved by the tests instead of sleeping. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

const TTL = 30_000;

const seen = (userId: string, status: Presence['status'], customStatus: string | null = null): Presence => ({
  userId,
  status,
  customStatus,
});

function storeTracker(makeStore: PresenceStoreFactory) {
  const open: PresenceStore[] = [];
  let counter = 0;
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });
  return {
    namespace: () => `t${++counter}:`,
    async make(namespace: string): Promise<PresenceStore> {
      const store = await makeStore(namespace);
      open.push(store);
      return store;
    },
  };
}

export function describePresenceContract(makeStore: PresenceStoreFactory, clock: TestClock): void {
  describe('PresenceStore contract', () => {
    const stores = storeTracker(makeStore);
    const fresh = () => stores.make(stores.namespace());
    const device = (overrides: Partial<ConnectInput> = {}): ConnectInput => ({
      userId: 'alice',
      deviceId: 'd1',
      status: 'online',
      audience: ['g1'],
      ttlMs: TTL,
      ...overrides,
    });
    const statusOf = async (store: PresenceStore, userId: string) => (await store.get([userId])).get(userId);

    it('shows the most active live device: online > dnd > idle > invisible', async () => {
      const store = await fresh();
      expect(await store.connect(device({ deviceId: 'a', status: 'invisible' }))).toBeNull();
      expect(await statusOf(store, 'alice')).toEqual(seen('alice', 'offline'));
      const steps: [string, 'idle' | 'dnd' | 'online', Presence['status'], Presence['status']][] = [
        ['b', 'idle', 'offline', 'idle'],
        ['c', 'dnd', 'idle', 'dnd'],
        ['d', 'online', 'dnd', 'online'],
      ];
      for (const [deviceId, status, before, after] of steps) {
        const change = await store.connect(device({ deviceId, status }));
        expect(change).toEqual({
          userId: 'alice',
          before: seen('alice', before),
          after: seen('alice', after),
          audience: ['g1'],
        });
        expect(await statusOf(store, 'alice')).toEqual(seen('alice', after));
        expect((await store.own('alice')).status).toBe(status);
      }
      // Removing them strongest first walks back down the ranks.
      expect((await store.disconnect('alice', 'd'))?.after.status).toBe('dnd');
      expect((await store.disconnect('alice', 'c'))?.after.status).toBe('idle');
      expect((await store.disconnect('alice', 'b'))?.after.status).toBe('offline');
      expect(await store.own('alice')).toEqual({ status: 'invisible', customStatus: null });
      // A weaker device joining a stronger one changes nothing others see.
      await store.connect(device({ deviceId: 'e', status: 'dnd' }));
      expect(await store.connect(device({ deviceId: 'f', status: 'idle' }))).toBeNull();
      expect(await statusOf(store, 'alice')).toEqual(seen('alice', 'dnd'));
    });

    it('shows an invisible user as offline to others, invisible to the user', async () => {
      const store = await fresh();
      await store.connect(device({ status: 'online', customStatus: 'busy' }));
      const change = await store.update({ userId: 'alice', deviceId: 'd1', status: 'invisible' });
      expect(change).toEqual({
        userId: 'alice',
        before: seen('alice', 'online', 'busy'),
        after: seen('alice', 'offline'),
        audience: ['g1'],
      });
      expect(await statusOf(store, 'alice')).toEqual(seen('alice', 'offline'));
      expect(await store.own('alice')).toEqual({ status: 'invisible', customStatus: 'busy' });
      expect(await store.deviceCount('alice')).toBe(1);
      // Invisible and offline look the same to others: no change when the device goes.
      expect(await store.disconnect('alice', 'd1')).toBeNull();
      expect(await store.own('alice')).toEqual({ status: 'offline', customStatus: 'busy' });
    });

    it('keeps one custom status per user: the last set wins, shown only while not offline', async () => {
      const store = await fresh();
      await store.connect(device({ deviceId: 'phone', customStatus: 'lunch' }));
      const fromDesktop = await store.connect(
        device({ deviceId: 'desktop', status: 'idle', customStatus: 'work' }),
      );
      expect(fromDesktop?.after).toEqual(seen('alice', 'online', 'work'));
      // undefined keeps it, on connect and on update.
      expect(await store.connect(device({ deviceId: 'tablet', status: 'idle' }))).toBeNull();
      expect(await store.update({ userId: 'alice', deviceId: 'phone', status: 'online' })).toBeNull();
      expect(await statusOf(store, 'alice')).toEqual(seen('alice', 'online', 'work'));
      // null clears it; the status alone is unchanged.
      const cleared = await store.update({ userId: 'alice', deviceId: 'tablet', customStatus: null });
      expect(cleared).toMatchObject({
        before: seen('alice', 'online', 'work'),
        after: seen('alice', 'online'),
      });
      await store.update({ userId: 'alice', deviceId: 'tablet', customStatus: 'back soon' });
      for (const deviceId of ['phone', 'desktop']) await store.disconnect('alice', deviceId);
      const last = await store.disconnect('alice', 'tablet');
      expect(last).toMatchObject({
        before: seen('alice', 'idle', 'back soon'),
        after: seen('alice', 'offline'),
      });
      expect(await store.own('alice')).toEqual({ status: 'offline', customStatus: 'back soon' });
      // A reconnect that does not say otherwise shows the kept custom status again.
      const back = await store.connect(device({ deviceId: 'phone' }));
      expect(back?.after).toEqual(seen('alice', 'online', 'back soon'));
    });

    it('reports no change when what others see stays the same', async () => {
      const store = await fresh();
      await store.connect(device({ customStatus: 'hi' }));
      expect(await store.update({ userId: 'alice', deviceId: 'd1', status: 'online' })).toBeNull();
      expect(await store.update({ userId: 'alice', deviceId: 'd1', customStatus: 'hi' })).toBeNull();
      expect(await store.update({ userId: 'alice', deviceId: 'd1' })).toBeNull();
      expect(await store.connect(device({ deviceId: 'd2', customStatus: 'hi' }))).toBeNull();
      expect(await store.disconnect('alice', 'd2')).toBeNull();
      // While invisible, a new custom status is nobody else's business.
      await store.update({ userId: 'alice', deviceId: 'd1', status: 'invisible' });
      expect(await store.update({ userId: 'alice', deviceId: 'd1', customStatus: 'secret' })).toBeNull();
      const visibleAgain = await store.update({ userId: 'alice', deviceId: 'd1', status: 'dnd' });
      expect(visibleAgain?.after).toEqual(seen('alice', 'dnd', 'secret'));
    });

    it('refuses to update an unknown or expired device with NOT_FOUND', async () => {
      const store = await fresh();
      const unknown = store.update({ userId: 'alice', deviceId: 'nope', status: 'idle' });
      await expect(unknown).rejects.toBeInstanceOf(DomainError);
      await expect(unknown).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await store.connect(device({ ttlMs: 1_000 }));
      clock.advance(1_000);
      await expect(store.update({ userId: 'alice', deviceId: 'd1', status: 'idle' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      // The refused update changed nothing: the sweep still reports the expiry.
      expect(await store.sweep()).toHaveLength(1);
    });

    it('returns null when disconnecting an unknown or already removed device', async () => {
      const store = await fresh();
      expect(await store.disconnect('alice', 'nope')).toBeNull();
      await store.connect(device());
      expect(await store.disconnect('alice', 'd1')).not.toBeNull();
      expect(await store.disconnect('alice', 'd1')).toBeNull();
    });

    it('expires a device at expiresAt and the sweep reports the change once', async () => {
      const store = await fresh();
      await store.connect(device({ ttlMs: 1_000, audience: ['g1', 'g2'], customStatus: 'away' }));
      await store.connect(device({ userId: 'bob', ttlMs: 5_000 }));
      clock.advance(999);
      expect(await statusOf(store, 'alice')).toEqual(seen('alice', 'online', 'away'));
      expect(await store.sweep()).toEqual([]);
      clock.advance(1);
      // Reads are exact before any sweep runs.
      expect(await statusOf(store, 'alice')).toEqual(seen('alice', 'offline'));
      expect(await store.deviceCount('alice')).toBe(0);
      expect(await store.sweep()).toEqual([
        {
          userId: 'alice',
          before: seen('alice', 'online', 'away'),
          after: seen('alice', 'offline'),
          audience: ['g1', 'g2'],
        },
      ]);
      expect(await store.sweep()).toEqual([]);
      expect(await store.disconnect('alice', 'd1')).toBeNull();
      expect(await statusOf(store, 'bob')).toEqual(seen('bob', 'online'));
    });

    it('sweeps only what changes what others see, and several expired devices of a user as one change', async () => {
      const store = await fresh();
      await store.connect(device({ deviceId: 'a', status: 'online', ttlMs: 1_000 }));
      await store.connect(device({ deviceId: 'b', status: 'idle', ttlMs: 1_000 }));
      await store.connect(device({ deviceId: 'c', status: 'dnd', ttlMs: 5_000 }));
      await store.connect(device({ userId: 'bob', deviceId: 'a', status: 'idle', ttlMs: 1_000 }));
      await store.connect(device({ userId: 'bob', deviceId: 'b', status: 'online', ttlMs: 5_000 }));
      clock.advance(1_000);
      const changes = await store.sweep();
      expect(changes).toEqual([
        { userId: 'alice', before: seen('alice', 'online'), after: seen('alice', 'dnd'), audience: ['g1'] },
      ]);
      expect(await store.deviceCount('alice')).toBe(1);
      expect(await store.deviceCount('bob')).toBe(1);
      expect(await store.sweep()).toEqual([]);
    });

    it('removes expired devices with the next write to the user, so the sweep does not report them again', async () => {
      const store = await fresh();
      await store.connect(device({ deviceId: 'old', status: 'online', ttlMs: 1_000 }));
      clock.advance(1_000);
      // Others were last told "online": the new device's change starts from there.
      const change = await store.connect(device({ deviceId: 'new', status: 'idle' }));
      expect(change).toMatchObject({ before: seen('alice', 'online'), after: seen('alice', 'idle') });
      expect(await store.sweep()).toEqual([]);
      expect(await store.deviceCount('alice')).toBe(1);
    });

    it('reports the change when a router disconnects its expired, unswept device, and the sweep does not', async () => {
      const store = await fresh();
      await store.connect(device({ ttlMs: 1_000 }));
      clock.advance(1_000);
      expect(await store.disconnect('alice', 'd1')).toMatchObject({ after: seen('alice', 'offline') });
      expect(await store.sweep()).toEqual([]);
    });

    it('lets the sweep remove at most `limit` devices per call', async () => {
      const store = await fresh();
      for (const userId of ['u1', 'u2', 'u3']) await store.connect(device({ userId, ttlMs: 1_000 }));
      clock.advance(1_000);
      expect(await store.sweep(2)).toHaveLength(2);
      expect(await store.sweep(2)).toHaveLength(1);
      expect(await store.sweep(2)).toEqual([]);
    });

    it('reports each expired device to exactly one of several concurrent sweepers', async () => {
      const namespace = stores.namespace();
      const sweepers = await Promise.all([1, 2, 3].map(() => stores.make(namespace)));
      const userIds = Array.from({ length: 60 }, (_, i) => `user${i}`);
      await Promise.all(userIds.map((userId) => sweepers[0]!.connect(device({ userId, ttlMs: 1_000 }))));
      clock.advance(1_000);
      const results = await Promise.all(sweepers.map((sweeper) => sweeper.sweep(1_000)));
      const reported = results.flat().map((change) => change.userId);
      expect(reported.sort()).toEqual([...userIds].sort());
      expect(await sweepers[1]!.sweep()).toEqual([]);
    });

    it('reports one change when two routers connect or disconnect devices of one user at once', async () => {
      const namespace = stores.namespace();
      const [a, b] = [await stores.make(namespace), await stores.make(namespace)];
      const deviceIds = Array.from({ length: 20 }, (_, i) => `d${i}`);
      const connected = await Promise.all(
        deviceIds.map((deviceId, i) => (i % 2 ? a : b).connect(device({ deviceId }))),
      );
      expect(connected.filter(Boolean)).toHaveLength(1);
      expect(await a.deviceCount('alice')).toBe(20);
      const disconnected = await Promise.all(
        deviceIds.map((deviceId, i) => (i % 2 ? b : a).disconnect('alice', deviceId)),
      );
      expect(disconnected.filter(Boolean)).toEqual([
        {
          userId: 'alice',
          before: seen('alice', 'online'),
          after: seen('alice', 'offline'),
          audience: ['g1'],
        },
      ]);
    });

    it('keeps a device alive past its first expiry with heartbeats', async () => {
      const store = await fresh();
      await store.connect(device({ ttlMs: 1_000 }));
      await store.connect(device({ userId: 'bob', ttlMs: 1_000 }));
      clock.advance(800);
      await store.heartbeat(
        [
          { userId: 'alice', deviceId: 'd1' },
          { userId: 'nobody', deviceId: 'x' },
        ],
        1_000,
      );
      clock.advance(400); // 1200: past the first expiry
      expect(await statusOf(store, 'alice')).toEqual(seen('alice', 'online'));
      expect(await store.update({ userId: 'alice', deviceId: 'd1', status: 'idle' })).not.toBeNull();
      const swept = await store.sweep();
      expect(swept.map((change) => change.userId)).toEqual(['bob']);
      clock.advance(600); // 1800: the refreshed expiry
      expect(await store.sweep()).toMatchObject([{ userId: 'alice', after: seen('alice', 'offline') }]);
      expect(await store.deviceCount('nobody')).toBe(0);
    });

    it('does not revive an expired device or shorten a longer expiry with a heartbeat', async () => {
      const store = await fresh();
      await store.connect(device({ deviceId: 'short', ttlMs: 1_000 }));
      await store.connect(device({ userId: 'bob', ttlMs: 10_000 }));
      clock.advance(1_000);
      const refs = [
        { userId: 'alice', deviceId: 'short' },
        { userId: 'bob', deviceId: 'd1' },
      ];
      await store.heartbeat(refs, 1_000);
      expect(await store.deviceCount('alice')).toBe(0);
      clock.advance(5_000);
      expect(await store.deviceCount('bob')).toBe(1);
      expect((await store.sweep()).map((change) => change.userId)).toEqual(['alice']);
      await expect(store.heartbeat([], 1_000)).resolves.toBeUndefined();
    });

    it('counts live devices per user', async () => {
      const store = await fresh();
      expect(await store.deviceCount('alice')).toBe(0);
      await store.connect(device({ deviceId: 'a', ttlMs: 1_000 }));
      await store.connect(device({ deviceId: 'b' }));
      await store.connect(device({ deviceId: 'b', status: 'idle' })); // same device again: replaced
      await store.connect(device({ userId: 'bob' }));
      expect(await store.deviceCount('alice')).toBe(2);
      clock.advance(1_000);
      expect(await store.deviceCount('alice')).toBe(1);
      await store.disconnect('alice', 'b');
      expect(await store.deviceCount('alice')).toBe(0);
      expect(await store.deviceCount('bob')).toBe(1);
    });

    it('returns the latest audience with every change', async () => {
      const store = await fresh();
      expect((await store.connect(device({ audience: ['g1', 'g2'] })))?.audience).toEqual(['g1', 'g2']);
      await store.setAudience('alice', ['g3']);
      expect((await store.update({ userId: 'alice', deviceId: 'd1', status: 'dnd' }))?.audience).toEqual([
        'g3',
      ]);
      await store.setAudience('alice', []);
      expect((await store.update({ userId: 'alice', deviceId: 'd1', status: 'idle' }))?.audience).toEqual([]);
      const reconnect = await store.connect(device({ deviceId: 'd2', audience: ['g4'], status: 'online' }));
      expect(reconnect?.audience).toEqual(['g4']);
      await store.setAudience('alice', ['g5', 'g6']);
      await store.disconnect('alice', 'd1');
      expect((await store.disconnect('alice', 'd2'))?.audience).toEqual(['g5', 'g6']);
      // A sweeper without any other source of truth gets it too.
      await store.connect(device({ deviceId: 'd3', ttlMs: 1_000, audience: ['g7'] }));
      clock.advance(1_000);
      expect((await store.sweep()).map((change) => change.audience)).toEqual([['g7']]);
    });

    it("answers audiences() with each user's stored guild ids, [] for unknown users", async () => {
      const store = await fresh();
      await store.connect(device({ audience: ['g1', 'g2'] }));
      await store.setAudience('bob', ['g3']);
      const result = await store.audiences(['alice', 'bob', 'nobody']);
      expect(Object.fromEntries(result)).toEqual({ alice: ['g1', 'g2'], bob: ['g3'], nobody: [] });
    });

    it('answers get() for every id asked, unknown ones as offline', async () => {
      const store = await fresh();
      await store.connect(device({ customStatus: 'here' }));
      const result = await store.get(['nobody', 'alice', 'nobody', 'ghost']);
      expect([...result.keys()].sort()).toEqual(['alice', 'ghost', 'nobody']);
      expect(result.get('alice')).toEqual(seen('alice', 'online', 'here'));
      expect(result.get('nobody')).toEqual(seen('nobody', 'offline'));
      expect(result.get('ghost')).toEqual(seen('ghost', 'offline'));
      expect((await store.get([])).size).toBe(0);
      expect(await store.own('nobody')).toEqual({ status: 'offline', customStatus: null });
    });

    it('keeps stores of different namespaces apart', async () => {
      const a = await fresh();
      const b = await fresh();
      await a.connect(device({ ttlMs: 1_000 }));
      expect(await b.deviceCount('alice')).toBe(0);
      expect(await b.disconnect('alice', 'd1')).toBeNull();
      clock.advance(1_000);
      expect(await b.sweep()).toEqual([]);
      expect(await a.sweep()).toHaveLength(1);
    });

    it('refuses input that would corrupt the store', async () => {
      const store = await fresh();
      await expect(store.connect(device({ ttlMs: 0 }))).rejects.toThrow(RangeError);
      await expect(store.connect(device({ status: 'away' as 'online' }))).rejects.toThrow(RangeError);
      await expect(store.connect(device({ customStatus: 'x'.repeat(256) }))).rejects.toThrow(RangeError);
      await expect(store.connect(device({ userId: 'a|b' }))).rejects.toThrow(RangeError);
      await expect(store.heartbeat([{ userId: 'alice', deviceId: 'd1' }], 1.5)).rejects.toThrow(RangeError);
      await expect(store.sweep(0)).rejects.toThrow(RangeError);
      expect(await store.deviceCount('alice')).toBe(0);
      // 255 characters is allowed, as in the user's settings.
      expect(
        (await store.connect(device({ customStatus: 'x'.repeat(255) })))?.after.customStatus,
      ).toHaveLength(255);
    });

    it('answers ping while open and rejects operations after close', async () => {
      const store = await fresh();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.connect(device())).rejects.toThrow();
      await expect(store.get(['alice'])).rejects.toThrow();
      await expect(store.sweep()).rejects.toThrow();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}
