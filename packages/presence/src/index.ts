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
export { createRedisPresenceStore } from './redis-store.ts';
export type { RedisPresenceStoreOptions } from './redis-store.ts';
// presence.contract.ts stays out: it imports vitest, which production installs do not have (as in @gochat/cache).
