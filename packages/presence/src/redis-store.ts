import { connectRedis, type RedisConnection } from '@gochat/cache';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '@gochat/log';
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
  visiblePresence,
} from './model.ts';
import type { Aggregate } from './model.ts';
import type { Presence, PresenceChange, PresenceStore } from './port.ts';
import { CONNECT, HEARTBEAT, REMOVE, SET_AUDIENCE, UPDATE, VIEW } from './redis-scripts.ts';

export interface RedisPresenceStoreOptions extends RedisConnection {
  /** Prepended by ioredis to every key, the ones passed to the scripts included. */
  keyPrefix: string;
  log: Logger;
  /** Injectable clock, passed to every script, so tests can expire devices without sleeping. */
  now?: () => number;
  /** How long customStatus and audience outlive the user's last device. */
  userRetentionMs?: number;
}

// Bounds how long one heartbeat script holds Redis; the chunks still go in one pipeline.
const HEARTBEAT_CHUNK = 1_000;

const SCRIPTS = {
  presenceConnect: { lua: CONNECT, numberOfKeys: 3 },
  presenceUpdate: { lua: UPDATE, numberOfKeys: 3 },
  presenceRemove: { lua: REMOVE, numberOfKeys: 3 },
  presenceHeartbeat: { lua: HEARTBEAT, numberOfKeys: 1 },
  presenceView: { lua: VIEW, numberOfKeys: 3, readOnly: true },
  presenceSetAudience: { lua: SET_AUDIENCE, numberOfKeys: 2 },
} as const;
type ScriptName = keyof typeof SCRIPTS;

// defineCommand adds the scripts to the client and its pipelines at run time; these give them a type.
type ClientWithScripts = Redis & Record<ScriptName, (...args: string[]) => Promise<unknown>>;
type PipelineWithScripts = ChainableCommander & Record<ScriptName, (...args: string[]) => ChainableCommander>;

/** Raw reply of a write script: aggregates over stored devices, then the audience JSON. */
type WriteReply = [Aggregate, string | null, Aggregate, string | null, string | null];
/** Raw reply of the view script: aggregate over live devices, live device count, customStatus. */
type ViewReply = [Aggregate, number, string | null];

const EXPIRY_KEY = 'expiry';
const keysOf = (userId: string) => [EXPIRY_KEY, `devices:${userId}`, `user:${userId}`];

/** Connects before resolving, so a wrong URL or a down server fails startup with a clear message. */
export async function createRedisPresenceStore(options: RedisPresenceStoreOptions): Promise<PresenceStore> {
  const { log } = options;
  const now = options.now ?? (() => Date.now());
  const retentionMs = options.userRetentionMs ?? DEFAULT_USER_RETENTION_MS;
  assertPositiveInteger('userRetentionMs', retentionMs);
  const client = (await connectRedis({
    url: options.url,
    username: options.username,
    password: options.password,
    tls: options.tls,
    keyPrefix: options.keyPrefix,
    log,
    prepare: (redis) => {
      for (const [name, definition] of Object.entries(SCRIPTS)) redis.defineCommand(name, definition);
    },
  })) as ClientWithScripts;
  const pipeline = () => client.pipeline() as PipelineWithScripts;

  const at = () => String(now());
  const retention = String(retentionMs);

  const decodeChange = (userId: string, reply: unknown): PresenceChange | null => {
    if (reply === null) return null;
    const [beforeStatus, beforeCustom, afterStatus, afterCustom, audience] = reply as WriteReply;
    return changeOf(
      userId,
      { status: beforeStatus, customStatus: beforeCustom },
      { status: afterStatus, customStatus: afterCustom },
      parseAudience(audience),
    );
  };

  const view = async (userId: string) =>
    (await client.presenceView(...keysOf(userId), userId, at())) as ViewReply;

  return {
    kind: 'redis',

    async connect(input) {
      assertDevice(input.userId, input.deviceId);
      assertStatus(input.status);
      assertCustomStatus(input.customStatus);
      assertAudience(input.audience);
      assertPositiveInteger('ttlMs', input.ttlMs);
      const time = now();
      const reply = await client.presenceConnect(
        ...keysOf(input.userId),
        input.userId,
        input.deviceId,
        input.status,
        ...customArgs(input.customStatus),
        JSON.stringify(input.audience),
        String(time),
        String(time + input.ttlMs),
        retention,
      );
      return decodeChange(input.userId, reply);
    },

    async update(input) {
      assertDevice(input.userId, input.deviceId);
      if (input.status !== undefined) assertStatus(input.status);
      assertCustomStatus(input.customStatus);
      const reply = await client.presenceUpdate(
        ...keysOf(input.userId),
        input.userId,
        input.deviceId,
        input.status ?? '',
        ...customArgs(input.customStatus),
        at(),
        retention,
      );
      if (reply === null) throw deviceNotFound(input.userId, input.deviceId);
      return decodeChange(input.userId, reply);
    },

    async disconnect(userId, deviceId) {
      assertDevice(userId, deviceId);
      const reply = await client.presenceRemove(
        ...keysOf(userId),
        userId,
        deviceId,
        at(),
        retention,
        'disconnect',
      );
      return decodeChange(userId, reply);
    },

    async heartbeat(devices, ttlMs) {
      assertPositiveInteger('ttlMs', ttlMs);
      for (const ref of devices) assertDevice(ref.userId, ref.deviceId);
      if (devices.length === 0) return;
      const time = now();
      const batch = pipeline();
      for (let i = 0; i < devices.length; i += HEARTBEAT_CHUNK) {
        const members = devices.slice(i, i + HEARTBEAT_CHUNK).map((ref) => `${ref.userId}|${ref.deviceId}`);
        batch.presenceHeartbeat(EXPIRY_KEY, String(time), String(time + ttlMs), ...members);
      }
      for (const [err] of (await batch.exec()) ?? []) if (err) throw err;
    },

    async sweep(limit = DEFAULT_SWEEP_LIMIT) {
      assertPositiveInteger('limit', limit);
      const time = at();
      // Candidates only: each removal re-checks the expiry atomically, so a device refreshed since, or
      // removed by another sweeper, is skipped and every expired device is reported by one sweeper.
      const members = await client.zrangebyscore(EXPIRY_KEY, '-inf', time, 'LIMIT', 0, limit);
      if (members.length === 0) return [];
      const batch = pipeline();
      const userIds = members.map((member) => {
        const split = member.indexOf('|');
        const userId = member.slice(0, split);
        batch.presenceRemove(...keysOf(userId), userId, member.slice(split + 1), time, retention, 'expire');
        return userId;
      });
      const replies = (await batch.exec()) ?? [];
      const changes: PresenceChange[] = [];
      replies.forEach(([err, reply], i) => {
        const userId = userIds[i]!;
        // The others' changes are already applied: report them rather than throw them away.
        if (err) log.error({ err, userId }, 'Presence sweep failed for a device');
        else {
          const change = decodeChange(userId, reply);
          if (change) changes.push(change);
        }
      });
      return changes;
    },

    async get(userIds) {
      userIds.forEach(assertUserId);
      const unique = [...new Set(userIds)];
      const result = new Map<string, Presence>();
      if (unique.length === 0) return result;
      const time = at();
      const batch = pipeline();
      for (const userId of unique) batch.presenceView(...keysOf(userId), userId, time);
      const replies = (await batch.exec()) ?? [];
      unique.forEach((userId, i) => {
        const [err, reply] = replies[i] ?? [new Error('Redis pipeline was aborted'), null];
        if (err) throw err;
        const [status, , customStatus] = reply as ViewReply;
        result.set(userId, visiblePresence(userId, { status, customStatus }));
      });
      return result;
    },

    async own(userId) {
      assertUserId(userId);
      const [status, , customStatus] = await view(userId);
      return { status, customStatus };
    },

    async deviceCount(userId) {
      assertUserId(userId);
      const [, count] = await view(userId);
      return count;
    },

    async setAudience(userId, guildIds) {
      assertUserId(userId);
      assertAudience(guildIds);
      const [, devicesKey, userKey] = keysOf(userId);
      await client.presenceSetAudience(devicesKey!, userKey!, JSON.stringify(guildIds), retention);
    },

    async audiences(userIds) {
      userIds.forEach(assertUserId);
      const unique = [...new Set(userIds)];
      const batch = client.pipeline();
      for (const userId of unique) batch.hget(keysOf(userId)[2]!, 'audience');
      const replies = (await batch.exec()) ?? [];
      return new Map(
        unique.map((userId, i) => {
          const [err, reply] = replies[i] ?? [new Error('Redis pipeline was aborted'), null];
          if (err) throw err;
          return [userId, parseAudience(reply as string | null)];
        }),
      );
    },

    async ping() {
      // Without this check a ping would sit in the offline queue while reconnecting; /ready wants an answer now.
      if (client.status !== 'ready') throw new Error(`Redis is not ready (status: ${client.status})`);
      await client.ping();
    },

    async close() {
      if (client.status === 'end') return;
      if (client.status !== 'ready') {
        client.disconnect();
        return;
      }
      await client.quit();
    },
  };
}

/** customMode and customValue for the scripts: undefined keeps, null clears. */
function customArgs(customStatus: string | null | undefined): [string, string] {
  if (customStatus === undefined) return ['keep', ''];
  if (customStatus === null) return ['clear', ''];
  return ['set', customStatus];
}

function parseAudience(json: string | null): string[] {
  if (json === null) return [];
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
}
