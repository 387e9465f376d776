import { PassThrough } from 'node:stream';

import { silentLogger } from '@gochat/log';
import type { ExecutionResult } from 'graphql';
import { expect, it } from 'vitest';
import type { WebSocket } from 'ws';

import type { Runner } from '../live/runner.ts';
import type { SubjectHub } from '../live/subject-hub.ts';
import type { RouterMetrics } from '../metrics.ts';
import type { MutationLimiter } from '../rate-limits.ts';
import { RealtimeConnections, type UserPrincipal } from './connections.ts';
import type { PresenceService } from './presence.ts';
import { REALTIME_CLOSE, type WriteBatch } from './socket-writer.ts';

/** An open socket that records the codes it is closed with. */
function fakeSocket() {
  const closes: number[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    once: () => socket,
    close: (code: number) => closes.push(code),
    terminate: () => undefined,
  };
  return { socket: socket as unknown as WebSocket, closes };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((ok) => (resolve = ok));
  return { promise, resolve };
}

/** Every gateway read answers: a live session, no settings, no guilds. */
const run: Runner = () =>
  Promise.resolve({
    data: { sessionActive: true, mySettings: null, realtimeAccess: { guilds: [] } },
  } as ExecutionResult);

const principal: UserPrincipal = { kind: 'user', userId: 'u1', expiresAt: Date.now() + 3_600_000 };

it('does not count a connection twice while its device is being stored (no 4429 within the limit)', async () => {
  const stored = new Set<string>();
  const openHeld = deferred();
  const opening = deferred();
  // The device is in the store as soon as open starts; open itself settles later (a publish, a
  // slow reply): the window in which a check could see the device and its registering count both.
  const presence = {
    deviceCount: () => Promise.resolve(stored.size),
    open: async ({ deviceId }: { deviceId: string }) => {
      stored.add(deviceId);
      opening.resolve();
      await openHeld.promise;
    },
    close: (_userId: string, deviceId: string) => Promise.resolve(void stored.delete(deviceId)),
  };
  const connections = new RealtimeConnections({
    mutationLimiter: {} as MutationLimiter,
    hub: { listen: () => ({ close: () => undefined }) } as unknown as SubjectHub,
    writes: {} as WriteBatch,
    run,
    presence: presence as unknown as PresenceService,
    log: silentLogger,
    metrics: { socketsClosed: { inc: () => undefined } } as unknown as RouterMetrics,
    settings: { maxWsBufferedBytes: 1 << 20, maxConnectionsPerUser: 2 },
  });

  const first = fakeSocket();
  expect(await connections.open(first.socket, new PassThrough(), principal, undefined)).toBeDefined();
  await opening.promise;
  expect(stored.size).toBe(1);

  // The second connection is within the limit of two: one stored device, itself registering.
  const second = fakeSocket();
  const admitted = connections.open(second.socket, new PassThrough(), principal, undefined);
  openHeld.resolve();
  expect(await admitted).toBeDefined();
  expect(second.closes).toEqual([]);

  // A third is over the limit and refused.
  const third = fakeSocket();
  expect(await connections.open(third.socket, new PassThrough(), principal, undefined)).toBeUndefined();
  expect(third.closes).toEqual([REALTIME_CLOSE.connectionLimit]);
  expect(first.closes).toEqual([]);
});
