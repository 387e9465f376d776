/**
 * Lua scripts of the Redis presence store. Each write runs as one script, so routers sharing the store
 * never interleave inside a write: `before` and `after` are exact and each change is returned once.
 *
 * Layout (under the client's keyPrefix):
 *   expiry            sorted set of `${userId}|${deviceId}` scored by expiresAt (epoch ms)
 *   devices:<userId>  hash deviceId -> device status
 *   user:<userId>     hash customStatus, audience (JSON array); expires userRetentionMs after the last device
 *
 * Every key a script touches is passed in KEYS, and the caller's clock is passed in ARGV, so tests can
 * move time. Writes return { beforeStatus, beforeCustom, afterStatus, afterCustom, audienceJson } where
 * the statuses are aggregates over the stored devices (what others were last told), or false for no-op.
 */

const PRELUDE = `
local RANK = { online = 4, dnd = 3, idle = 2, invisible = 1 }

-- The strongest status and the device count; with liveAfter, only devices expiring after it.
local function aggregate(expiryKey, devicesKey, userId, liveAfter)
  local flat = redis.call('HGETALL', devicesKey)
  local best, bestRank, count = 'offline', 0, 0
  for i = 1, #flat, 2 do
    local live = true
    if liveAfter then
      local score = redis.call('ZSCORE', expiryKey, userId .. '|' .. flat[i])
      live = score and tonumber(score) > liveAfter
    end
    if live then
      count = count + 1
      local rank = RANK[flat[i + 1]] or 0
      if rank > bestRank then
        best, bestRank = flat[i + 1], rank
      end
    end
  end
  return best, count
end

local function state(expiryKey, devicesKey, userKey, userId)
  local status = aggregate(expiryKey, devicesKey, userId, nil)
  return status, redis.call('HGET', userKey, 'customStatus')
end

-- Expired devices of this user go with any write to it, so no sweeper reports them afterwards.
local function purgeExpired(expiryKey, devicesKey, userId, now)
  for _, deviceId in ipairs(redis.call('HKEYS', devicesKey)) do
    local member = userId .. '|' .. deviceId
    local score = redis.call('ZSCORE', expiryKey, member)
    if not score or tonumber(score) <= now then
      redis.call('HDEL', devicesKey, deviceId)
      redis.call('ZREM', expiryKey, member)
    end
  end
end

local function applyCustom(userKey, mode, value)
  if mode == 'set' then
    redis.call('HSET', userKey, 'customStatus', value)
  elseif mode == 'clear' then
    redis.call('HDEL', userKey, 'customStatus')
  end
end

-- A user without devices keeps customStatus and audience only for the retention period.
local function settle(devicesKey, userKey, retentionMs)
  if redis.call('EXISTS', devicesKey) == 0 then
    redis.call('PEXPIRE', userKey, retentionMs)
  else
    redis.call('PERSIST', userKey)
  end
end

local function result(beforeStatus, beforeCustom, expiryKey, devicesKey, userKey, userId)
  local afterStatus, afterCustom = state(expiryKey, devicesKey, userKey, userId)
  return { beforeStatus, beforeCustom, afterStatus, afterCustom, redis.call('HGET', userKey, 'audience') }
end
`;

/** KEYS expiry, devices, user. ARGV userId, deviceId, status, customMode, customValue, audienceJson, now, expiresAt, retentionMs. */
export const CONNECT = `${PRELUDE}
local userId, deviceId, now = ARGV[1], ARGV[2], tonumber(ARGV[7])
local beforeStatus, beforeCustom = state(KEYS[1], KEYS[2], KEYS[3], userId)
purgeExpired(KEYS[1], KEYS[2], userId, now)
redis.call('HSET', KEYS[2], deviceId, ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[8], userId .. '|' .. deviceId)
applyCustom(KEYS[3], ARGV[4], ARGV[5])
redis.call('HSET', KEYS[3], 'audience', ARGV[6])
settle(KEYS[2], KEYS[3], ARGV[9])
return result(beforeStatus, beforeCustom, KEYS[1], KEYS[2], KEYS[3], userId)
`;

/** KEYS expiry, devices, user. ARGV userId, deviceId, status ('' = keep), customMode, customValue, now, retentionMs. */
export const UPDATE = `${PRELUDE}
local userId, deviceId, now = ARGV[1], ARGV[2], tonumber(ARGV[6])
local score = redis.call('ZSCORE', KEYS[1], userId .. '|' .. deviceId)
if not score or tonumber(score) <= now or redis.call('HEXISTS', KEYS[2], deviceId) == 0 then
  return false
end
local beforeStatus, beforeCustom = state(KEYS[1], KEYS[2], KEYS[3], userId)
purgeExpired(KEYS[1], KEYS[2], userId, now)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], deviceId, ARGV[3])
end
applyCustom(KEYS[3], ARGV[4], ARGV[5])
settle(KEYS[2], KEYS[3], ARGV[7])
return result(beforeStatus, beforeCustom, KEYS[1], KEYS[2], KEYS[3], userId)
`;

/**
 * KEYS expiry, devices, user. ARGV userId, deviceId, now, retentionMs, mode.
 * mode 'disconnect' removes the device whatever its expiry (an expired, unswept device is still known);
 * mode 'expire' (a sweeper) removes it only if it has expired, so a device refreshed meanwhile stays.
 */
export const REMOVE = `${PRELUDE}
local userId, deviceId, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local member = userId .. '|' .. deviceId
local score = redis.call('ZSCORE', KEYS[1], member)
if ARGV[5] == 'expire' then
  if not score or tonumber(score) > now then
    return false
  end
elseif redis.call('HEXISTS', KEYS[2], deviceId) == 0 then
  redis.call('ZREM', KEYS[1], member)
  return false
end
local beforeStatus, beforeCustom = state(KEYS[1], KEYS[2], KEYS[3], userId)
redis.call('HDEL', KEYS[2], deviceId)
redis.call('ZREM', KEYS[1], member)
purgeExpired(KEYS[1], KEYS[2], userId, now)
settle(KEYS[2], KEYS[3], ARGV[4])
return result(beforeStatus, beforeCustom, KEYS[1], KEYS[2], KEYS[3], userId)
`;

/** KEYS expiry. ARGV now, expiresAt, members... Extends live devices only, never shortens an expiry. */
export const HEARTBEAT = `
local now, expiresAt = tonumber(ARGV[1]), tonumber(ARGV[2])
local extended = 0
for i = 3, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) > now and tonumber(score) < expiresAt then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
    extended = extended + 1
  end
end
return extended
`;

/** KEYS expiry, devices, user. ARGV userId, now. Returns { liveAggregate, liveDeviceCount, customStatus }. */
export const VIEW = `${PRELUDE}
local status, count = aggregate(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
return { status, count, redis.call('HGET', KEYS[3], 'customStatus') }
`;

/** KEYS devices, user. ARGV audienceJson, retentionMs. */
export const SET_AUDIENCE = `
redis.call('HSET', KEYS[2], 'audience', ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 0
`;
