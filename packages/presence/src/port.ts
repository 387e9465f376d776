/**
 * Presence of connected users. Each WebSocket connection is a device with its own status; others see the
 * most active status over the user's live devices. Two implementations share one contract suite
 * (presence.contract.ts):
 *   - memory: Maps, for embedded mode
 *   - redis:  Lua scripts, so several routers can share and sweep one store
 *
 * Reads (get, own, deviceCount) count only live devices (expiresAt > now). Writes (connect, update,
 * disconnect, sweep) compare against the stored devices, which includes expired ones no one has removed
 * yet: `before` is always what others were last told, so every change is reported exactly once.
 */

export const DEVICE_STATUSES = ['online', 'idle', 'dnd', 'invisible'] as const;
/** Set by a client for one connection. */
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** What other users see: an invisible user looks offline. */
export type VisibleStatus = 'online' | 'idle' | 'dnd' | 'offline';

/**
 * Callers validate user input against this; the stores refuse anything longer. The same as the custom
 * status settings allow (CUSTOM_STATUS_MAX in @gochat/user-settings, issue 18), so a status set in
 * settings is shown whole.
 */
export const CUSTOM_STATUS_MAX_LENGTH = 255;

export interface Presence {
  userId: string;
  status: VisibleStatus;
  /** null while the user looks offline, whatever is stored. */
  customStatus: string | null;
}

export interface PresenceChange {
  userId: string;
  before: Presence;
  after: Presence;
  /** Guild ids to publish the change to, as last set by connect or setAudience. */
  audience: string[];
}

export interface OwnPresence {
  /** The user's own view: 'invisible' stays 'invisible'; 'offline' when no device is live. */
  status: DeviceStatus | 'offline';
  /** The stored custom status, shown to its owner even while invisible or offline. */
  customStatus: string | null;
}

export interface ConnectInput {
  userId: string;
  deviceId: string;
  status: DeviceStatus;
  /** undefined keeps the stored one; null clears it. */
  customStatus?: string | null;
  audience: string[];
  ttlMs: number;
}

export interface UpdateInput {
  userId: string;
  deviceId: string;
  status?: DeviceStatus;
  /** undefined keeps the stored one; null clears it. */
  customStatus?: string | null;
}

export interface DeviceRef {
  userId: string;
  deviceId: string;
}

export interface PresenceStore {
  readonly kind: 'memory' | 'redis';
  /** Adds (or replaces) a device. */
  connect(input: ConnectInput): Promise<PresenceChange | null>;
  /** Throws DomainError NOT_FOUND when the device is unknown or expired. */
  update(input: UpdateInput): Promise<PresenceChange | null>;
  /** null when the device is unknown (already gone or swept). */
  disconnect(userId: string, deviceId: string): Promise<PresenceChange | null>;
  /** Extends the expiry of the live devices among these to now + ttlMs; expired ones stay expired. */
  heartbeat(devices: DeviceRef[], ttlMs: number): Promise<void>;
  /**
   * Removes up to `limit` devices with expiresAt <= now and returns the resulting changes. Safe with
   * several concurrent sweepers: each expired device is removed, and its change reported, by one of them.
   */
  sweep(limit?: number): Promise<PresenceChange[]>;
  /** Presence as others see it; every requested id is in the map (unknown ids are offline). */
  get(userIds: string[]): Promise<Map<string, Presence>>;
  own(userId: string): Promise<OwnPresence>;
  /** Live devices of the user, for per-user connection limits. */
  deviceCount(userId: string): Promise<number>;
  setAudience(userId: string, guildIds: string[]): Promise<void>;
  /** The stored audience (guild ids) of each user; [] for unknown users. Tells a guild's members apart. */
  audiences(userIds: string[]): Promise<Map<string, string[]>>;
  /** Throws when the store cannot serve. Used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
