import { DomainError } from '@gochat/errors';
import { CUSTOM_STATUS_MAX_LENGTH, DEVICE_STATUSES } from './port.ts';
import type { DeviceStatus, OwnPresence, Presence, PresenceChange, VisibleStatus } from './port.ts';

/**
 * Rules both stores share, so memory and Redis cannot disagree: the Redis scripts only return the raw
 * aggregate and the stored custom status, and everything visible is derived here.
 */

/** Most active first: the strongest live device decides. The Lua scripts carry the same ranks. */
export const STATUS_RANK: Record<DeviceStatus, number> = { online: 4, dnd: 3, idle: 2, invisible: 1 };

export const DEFAULT_SWEEP_LIMIT = 500;

/** customStatus and audience outlive the last device this long, so a quick reconnect keeps them. */
export const DEFAULT_USER_RETENTION_MS = 24 * 60 * 60 * 1000;

/** The aggregate over some devices, as the owner sees it. */
export type Aggregate = OwnPresence['status'];

/** Raw state of a user at one instant: aggregate status and the stored custom status. */
export interface UserState {
  status: Aggregate;
  customStatus: string | null;
}

export function strongest(statuses: Iterable<DeviceStatus>): Aggregate {
  let best: Aggregate = 'offline';
  for (const status of statuses) {
    if (best === 'offline' || STATUS_RANK[status] > STATUS_RANK[best]) best = status;
  }
  return best;
}

export function visibleStatus(status: Aggregate): VisibleStatus {
  return status === 'invisible' ? 'offline' : status;
}

export function visiblePresence(userId: string, state: UserState): Presence {
  const status = visibleStatus(state.status);
  return { userId, status, customStatus: status === 'offline' ? null : state.customStatus };
}

export function offlinePresence(userId: string): Presence {
  return { userId, status: 'offline', customStatus: null };
}

/** The change others must hear about, or null when what they see is the same. */
export function changeOf(
  userId: string,
  before: UserState,
  after: UserState,
  audience: string[],
): PresenceChange | null {
  const seenBefore = visiblePresence(userId, before);
  const seenAfter = visiblePresence(userId, after);
  if (seenBefore.status === seenAfter.status && seenBefore.customStatus === seenAfter.customStatus)
    return null;
  return { userId, before: seenBefore, after: seenAfter, audience: [...audience] };
}

export function deviceNotFound(userId: string, deviceId: string): DomainError {
  return new DomainError('NOT_FOUND', `No live presence device ${deviceId} for user ${userId}`);
}

// Guards against programming errors: callers validate user input, the stores refuse what would corrupt them.

export function assertUserId(userId: string): void {
  // '|' separates user and device in the Redis expiry index.
  if (typeof userId !== 'string' || userId === '' || userId.includes('|')) {
    throw new RangeError(`Invalid presence user id: ${JSON.stringify(userId)}`);
  }
}

export function assertDevice(userId: string, deviceId: string): void {
  assertUserId(userId);
  if (typeof deviceId !== 'string' || deviceId === '') {
    throw new RangeError(`Invalid presence device id: ${JSON.stringify(deviceId)}`);
  }
}

export function assertStatus(status: string): asserts status is DeviceStatus {
  if (!(DEVICE_STATUSES as readonly string[]).includes(status)) {
    throw new RangeError(`Invalid device status: ${JSON.stringify(status)}`);
  }
}

export function assertCustomStatus(customStatus: string | null | undefined): void {
  if (customStatus === undefined || customStatus === null) return;
  if (typeof customStatus !== 'string' || customStatus.length > CUSTOM_STATUS_MAX_LENGTH) {
    throw new RangeError(`customStatus must be a string of at most ${CUSTOM_STATUS_MAX_LENGTH} characters`);
  }
}

export function assertAudience(audience: string[]): void {
  if (!Array.isArray(audience) || audience.some((id) => typeof id !== 'string' || id === '')) {
    throw new RangeError('audience must be an array of guild ids');
  }
}

export function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}
