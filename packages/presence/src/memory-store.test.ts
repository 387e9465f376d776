import { describe, expect, it } from 'vitest';
import { createMemoryPresenceStore } from './memory-store.ts';
import type { ConnectInput, PresenceStore } from './port.ts';
import { describePresenceContract } from './presence.contract.ts';

let time = 1_700_000_000_000;
const clock = { now: () => time, advance: (ms: number) => void (time += ms) };

// One store per namespace: two "routers" on one namespace share it, as two Redis clients share keys.
const shared = new Map<string, PresenceStore>();
describePresenceContract((namespace) => {
  let store = shared.get(namespace);
  if (!store) {
    store = createMemoryPresenceStore({ now: clock.now });
    shared.set(namespace, store);
  }
  return Promise.resolve(store);
}, clock);

describe('memory presence store specifics', () => {
  it('forgets customStatus and audience userRetentionMs after the last device, not before', async () => {
    let now = 1_000_000;
    const store = createMemoryPresenceStore({ now: () => now, userRetentionMs: 10_000 });
    const input: ConnectInput = {
      userId: 'alice',
      deviceId: 'd1',
      status: 'online',
      audience: ['g1'],
      ttlMs: 1_000,
    };
    await store.connect({ ...input, customStatus: 'brb' });
    await store.disconnect('alice', 'd1');
    now += 9_999;
    expect(await store.own('alice')).toEqual({ status: 'offline', customStatus: 'brb' });
    expect((await store.connect(input))?.after.customStatus).toBe('brb');
    await store.disconnect('alice', 'd1');
    now += 10_000;
    expect(await store.own('alice')).toEqual({ status: 'offline', customStatus: null });
    expect((await store.connect(input))?.after.customStatus).toBeNull();
    await store.close();
  });

  it('keeps the user record while a device is connected, however long', async () => {
    let now = 1_000_000;
    const store = createMemoryPresenceStore({ now: () => now, userRetentionMs: 1_000 });
    await store.connect({
      userId: 'alice',
      deviceId: 'd1',
      status: 'idle',
      customStatus: 'x',
      audience: ['g'],
      ttlMs: 5_000,
    });
    for (let i = 0; i < 4; i++) {
      now += 1_000;
      await store.heartbeat([{ userId: 'alice', deviceId: 'd1' }], 5_000);
    }
    expect(await store.own('alice')).toEqual({ status: 'idle', customStatus: 'x' });
    await store.close();
  });
});
