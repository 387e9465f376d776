import type { PresenceStore } from './port.ts';
import type { RedisPresenceStoreOptions } from './redis-store.ts';

export { CUSTOM_STATUS_MAX_LENGTH, DEVICE_STATUSES } from './port.ts';
export type {
  ConnectInput,
  DeviceRef,
  DeviceStatus,
  OwnPresence,
  Presence,
  PresenceChange,
  PresenceStore,
  UpdateInput,
  VisibleStatus,
} from './port.ts';
export { DEFAULT_SWEEP_LIMIT, DEFAULT_USER_RETENTION_MS, STATUS_RANK, visibleStatus } from './model.ts';
export { createMemoryPresenceStore } from './memory-store.ts';
export type { MemoryPresenceStoreOptions } from './memory-store.ts';
export type { RedisPresenceStoreOptions } from './redis-store.ts';
// presence.contract.ts stays out: it imports vitest, which production installs do not have (as in @gochat/cache).

/** ioredis is imported on first use: an embedded process never loads it (decision 0037). */
export async function createRedisPresenceStore(options: RedisPresenceStoreOptions): Promise<PresenceStore> {
  const redis = await import('./redis-store.ts');
  return redis.createRedisPresenceStore(options);
}
