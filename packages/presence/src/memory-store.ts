import {
  assertAudience,
  assertCustomStatus,
  assertDevice,
  assertPositiveInteger,
  assertStatus,
  assertUserId,
  changeOf,
  DEFAULT_SWEEP_LIMIT,
  DEFAULT_USER_RETENTION_MS,
  deviceNotFound,
  offlinePresence,
  strongest,
  visiblePresence,
} from './model.ts';
import type { UserState } from './model.ts';
import type { DeviceStatus, Presence, PresenceChange, PresenceStore } from './port.ts';

export interface MemoryPresenceStoreOptions {
  /** Injectable clock so tests can expire devices without sleeping. */
  now?: () => number;
  /** How long customStatus and audience outlive the user's last device. */
  userRetentionMs?: number;
}

interface Device {
  status: DeviceStatus;
  expiresAt: number;
}

interface UserRecord {
  devices: Map<string, Device>;
  customStatus: string | null;
  audience: string[];
  /** Set while the user has no devices: the record is forgotten after this instant. */
  retainUntil: number | undefined;
}

/** Runs synchronously but reports a throw as a rejection, as the async port promises. */
function run<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

/** Single-process presence for embedded mode. */
export function createMemoryPresenceStore(options: MemoryPresenceStoreOptions = {}): PresenceStore {
  const now = options.now ?? (() => Date.now());
  const retentionMs = options.userRetentionMs ?? DEFAULT_USER_RETENTION_MS;
  assertPositiveInteger('userRetentionMs', retentionMs);
  const users = new Map<string, UserRecord>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new Error('Memory presence store is closed');
  };

  /** The user's record, forgetting it once its retention has passed. */
  const recordOf = (userId: string, at: number): UserRecord | undefined => {
    const user = users.get(userId);
    if (user?.retainUntil !== undefined && user.retainUntil <= at) {
      users.delete(userId);
      return undefined;
    }
    return user;
  };

  const recordFor = (userId: string, at: number): UserRecord => {
    let user = recordOf(userId, at);
    if (!user) {
      user = { devices: new Map(), customStatus: null, audience: [], retainUntil: undefined };
      users.set(userId, user);
    }
    return user;
  };

  const storedState = (user: UserRecord): UserState => ({
    status: strongest([...user.devices.values()].map((device) => device.status)),
    customStatus: user.customStatus,
  });

  const liveDevices = (user: UserRecord | undefined, at: number): Device[] =>
    user ? [...user.devices.values()].filter((device) => device.expiresAt > at) : [];

  /**
   * One write: `before` is the stored state (what others were last told), expired devices of this user
   * go with the write, so a later sweep does not report them again.
   */
  const mutate = (userId: string, at: number, apply: (user: UserRecord) => void): PresenceChange | null => {
    const user = recordFor(userId, at);
    const before = storedState(user);
    for (const [deviceId, device] of user.devices) if (device.expiresAt <= at) user.devices.delete(deviceId);
    apply(user);
    user.retainUntil = user.devices.size === 0 ? at + retentionMs : undefined;
    return changeOf(userId, before, storedState(user), user.audience);
  };

  const applyCustomStatus = (user: UserRecord, customStatus: string | null | undefined) => {
    if (customStatus !== undefined) user.customStatus = customStatus;
  };

  return {
    kind: 'memory',

    connect: (input) =>
      run(() => {
        assertOpen();
        assertDevice(input.userId, input.deviceId);
        assertStatus(input.status);
        assertCustomStatus(input.customStatus);
        assertAudience(input.audience);
        assertPositiveInteger('ttlMs', input.ttlMs);
        const at = now();
        return mutate(input.userId, at, (user) => {
          user.devices.set(input.deviceId, { status: input.status, expiresAt: at + input.ttlMs });
          applyCustomStatus(user, input.customStatus);
          user.audience = [...input.audience];
        });
      }),

    update: (input) =>
      run(() => {
        assertOpen();
        assertDevice(input.userId, input.deviceId);
        if (input.status !== undefined) assertStatus(input.status);
        assertCustomStatus(input.customStatus);
        const at = now();
        const device = recordOf(input.userId, at)?.devices.get(input.deviceId);
        if (!device || device.expiresAt <= at) throw deviceNotFound(input.userId, input.deviceId);
        return mutate(input.userId, at, (user) => {
          if (input.status !== undefined) device.status = input.status;
          applyCustomStatus(user, input.customStatus);
        });
      }),

    disconnect: (userId, deviceId) =>
      run(() => {
        assertOpen();
        assertDevice(userId, deviceId);
        const at = now();
        // An expired device nobody swept yet is still known: removing it here reports its change once.
        if (!recordOf(userId, at)?.devices.has(deviceId)) return null;
        return mutate(userId, at, (user) => user.devices.delete(deviceId));
      }),

    heartbeat: (devices, ttlMs) =>
      run(() => {
        assertOpen();
        assertPositiveInteger('ttlMs', ttlMs);
        for (const ref of devices) assertDevice(ref.userId, ref.deviceId);
        const at = now();
        for (const { userId, deviceId } of devices) {
          const device = recordOf(userId, at)?.devices.get(deviceId);
          // Never revives an expired device, never shortens a longer expiry.
          if (device && device.expiresAt > at) device.expiresAt = Math.max(device.expiresAt, at + ttlMs);
        }
      }),

    sweep: (limit = DEFAULT_SWEEP_LIMIT) =>
      run(() => {
        assertOpen();
        assertPositiveInteger('limit', limit);
        const at = now();
        const expired: { userId: string; expiresAt: number }[] = [];
        for (const [userId, user] of users) {
          if (user.retainUntil !== undefined && user.retainUntil <= at) {
            users.delete(userId);
            continue;
          }
          for (const device of user.devices.values()) {
            if (device.expiresAt <= at) expired.push({ userId, expiresAt: device.expiresAt });
          }
        }
        // Oldest first, as the Redis store takes them from its expiry index.
        expired.sort((a, b) => a.expiresAt - b.expiresAt);
        const changes: PresenceChange[] = [];
        const swept = new Set<string>();
        for (const { userId } of expired.slice(0, limit)) {
          // One write per user removes all of its expired devices; its other entries find nothing left.
          if (swept.has(userId)) continue;
          swept.add(userId);
          const change = mutate(userId, at, () => undefined);
          if (change) changes.push(change);
        }
        return changes;
      }),

    get: (userIds) =>
      run(() => {
        assertOpen();
        userIds.forEach(assertUserId);
        const at = now();
        const result = new Map<string, Presence>();
        for (const userId of userIds) {
          const user = recordOf(userId, at);
          result.set(
            userId,
            user
              ? visiblePresence(userId, {
                  status: strongest(liveDevices(user, at).map((device) => device.status)),
                  customStatus: user.customStatus,
                })
              : offlinePresence(userId),
          );
        }
        return result;
      }),

    own: (userId) =>
      run(() => {
        assertOpen();
        assertUserId(userId);
        const at = now();
        const user = recordOf(userId, at);
        return {
          status: strongest(liveDevices(user, at).map((device) => device.status)),
          customStatus: user?.customStatus ?? null,
        };
      }),

    deviceCount: (userId) =>
      run(() => {
        assertOpen();
        assertUserId(userId);
        const at = now();
        return liveDevices(recordOf(userId, at), at).length;
      }),

    setAudience: (userId, guildIds) =>
      run(() => {
        assertOpen();
        assertUserId(userId);
        assertAudience(guildIds);
        const at = now();
        const user = recordFor(userId, at);
        user.audience = [...guildIds];
        if (user.devices.size === 0) user.retainUntil = at + retentionMs;
      }),

    audiences: (userIds) =>
      run(() => {
        assertOpen();
        userIds.forEach(assertUserId);
        const at = now();
        return new Map(userIds.map((userId) => [userId, [...(recordOf(userId, at)?.audience ?? [])]]));
      }),

    ping: () => run(assertOpen),

    close: () =>
      run(() => {
        closed = true;
        users.clear();
      }),
  };
}
