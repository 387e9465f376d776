import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';

import { DomainError } from '@gochat/errors';
import { subjects } from '@gochat/events';
import type { Logger } from '@gochat/log';
import { CUSTOM_STATUS_MAX_LENGTH, type DeviceStatus, type OwnPresence } from '@gochat/presence';
import { readDocument } from '@gochat/user-settings';
import { parse, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

import { loadGuildIds } from '../live/access.ts';
import type { LiveEvent } from '../live/event.ts';
import type { Runner } from '../live/runner.ts';
import type { Listening, SubjectHub } from '../live/subject-hub.ts';
import type { RouterMetrics } from '../metrics.ts';
import type { MutationLimiter } from '../rate-limits.ts';
import type { Principal } from '../principal.ts';
import { ExpiryWheel } from './expiry-wheel.ts';
import type { PresenceService } from './presence.ts';
import { REALTIME_CLOSE, SocketWriter, type WriteBatch } from './socket-writer.ts';

export type UserPrincipal = Principal & { kind: 'user' };

export interface ConnectionSettings {
  maxWsBufferedBytes: number;
  maxConnectionsPerUser: number;
}

/** One WebSocket connection: a device for presence, and the sink of its feeds. */
export interface RealtimeConnection {
  id: string;
  principal: UserPrincipal;
  writer: SocketWriter;
  /** Settles once the connection is registered as a presence device (done in the background). */
  presenceReady: Promise<void>;
  close(code: number, reason: string, metric: string): void;
}

/**
 * What one connection holds on this router until its socket closes (plain data, no closures: there is
 * one per connection).
 */
interface ConnectionHold {
  connection: RealtimeConnection;
  /** Among the user's registering connections, until its device is stored or it closed. */
  counted: boolean;
  closed: boolean;
  /** Its presence device is being, or was, stored: closing must remove it. */
  registered: boolean;
  expiryBucket?: number;
  revoked?: Listening;
}

const STATUS: Record<string, DeviceStatus> = {
  ONLINE: 'online',
  IDLE: 'idle',
  DND: 'dnd',
  INVISIBLE: 'invisible',
};

/**
 * The connection side of real time (decisions 0017, 0018): socket admission (per-user limit, live
 * session), what a connection holds until it closes, its presence device and updatePresence, token
 * expiry and session revocation with their close codes. Feeds are RealtimeFeeds' (feeds.ts).
 */
export class RealtimeConnections {
  /** Closes each connection when its token expires (4401). */
  private readonly expiries = new ExpiryWheel<RealtimeConnection>((connection) =>
    connection.close(
      REALTIME_CLOSE.tokenExpired,
      'Token expired: reconnect with a fresh one',
      'token_expired',
    ),
  );

  constructor(
    private readonly deps: {
      /** updatePresence is a mutation like any other: it has a per-user budget. */
      mutationLimiter: MutationLimiter;
      hub: SubjectHub;
      /** The hub's dispatch batch: a feed's frames leave with the rest of the turn's, after its I/O. */
      writes: WriteBatch;
      run: Runner;
      presence: PresenceService;
      log: Logger;
      metrics: RouterMetrics;
      settings: ConnectionSettings;
    },
  ) {}

  /**
   * Registers a connection, or closes it (4429) when its user has too many. Everything the connection
   * holds (its place in the per-user count, its presence device, its listens) is released by a close
   * handler registered before the first await: a socket reset at any point leaves nothing behind.
   */
  async open(
    socket: WebSocket,
    tcp: Writable,
    principal: UserPrincipal,
    params: Record<string, unknown> | undefined,
  ): Promise<RealtimeConnection | undefined> {
    const { presence, settings, metrics, hub } = this.deps;
    if (socket.readyState !== socket.OPEN) return undefined;
    const connection: RealtimeConnection = {
      id: randomUUID(),
      principal,
      writer: new SocketWriter(
        socket,
        tcp,
        settings.maxWsBufferedBytes,
        () => metrics.socketsClosed.inc({ reason: 'slow_consumer' }),
        this.deps.writes,
      ),
      presenceReady: Promise.resolve(),
      close(code, reason, metric) {
        metrics.socketsClosed.inc({ reason: metric });
        connection.writer.close(code, reason);
      },
    };
    const { userId } = principal;
    // Counted from now until registered, so a burst of connects cannot slip past the limit.
    this.registering.set(userId, (this.registering.get(userId) ?? 0) + 1);
    const hold: ConnectionHold = { connection, counted: true, closed: false, registered: false };
    socket.once('close', () => this.release(hold));

    // This connection is among the registering ones: the others, plus the stored devices, must leave room.
    const full = await this.inTurn(userId, async () => {
      const devices = await presence.deviceCount(userId);
      return devices + (this.registering.get(userId) ?? 1) - 1 >= settings.maxConnectionsPerUser;
    });
    if (hold.closed) return undefined;
    if (full) {
      connection.close(
        REALTIME_CLOSE.connectionLimit,
        'Too many connections for this user',
        'connection_limit',
      );
      return undefined;
    }
    const { session, statusSettings } = await this.connectChecks(principal);
    if (session === false) {
      connection.close(REALTIME_CLOSE.sessionRevoked, 'Session ended: sign in again', 'session_revoked');
      return undefined;
    }
    // Not known to be alive: refused for now, the client retries (it is not told to sign in again).
    if (session === 'unknown') {
      connection.close(REALTIME_CLOSE.tryAgainLater, 'Try again later', 'session_check_failed');
      return undefined;
    }
    if (hold.closed) return undefined;
    hold.expiryBucket = this.expiries.add(connection, principal.expiresAt);
    hold.revoked = hub.listen(subjects.user(userId), (event) => this.onOwnEvent(connection, event));
    const wanted = (params?.presence ?? {}) as { status?: unknown; customStatus?: unknown };
    const status = STATUS[String(wanted.status)];
    const customStatus =
      typeof wanted.customStatus === 'string'
        ? wanted.customStatus.slice(0, CUSTOM_STATUS_MAX_LENGTH)
        : undefined;
    // Presence needs the user's guilds; it is registered in the background so connecting stays fast.
    hold.registered = true;
    connection.presenceReady = this.openPresence(hold, statusSettings, status, customStatus).finally(() =>
      this.uncount(hold),
    );
    return connection;
  }

  /**
   * An event on the connection's user subject: its session may have ended, its guilds changed, or its
   * settings (a forced status).
   */
  private onOwnEvent(connection: RealtimeConnection, event: LiveEvent): void {
    const { principal } = connection;
    if (
      event.type === 'SessionRevoked' &&
      principal.sessionId &&
      event.data.sessionId === principal.sessionId
    )
      connection.close(REALTIME_CLOSE.sessionRevoked, 'Session ended: sign in again', 'session_revoked');
    // The guilds the user's presence goes to changed: the next change must reach the new set.
    if (
      event.type === 'GuildMemberAdded' ||
      event.type === 'GuildMemberRemoved' ||
      event.type === 'GuildCreated'
    )
      this.refreshAudience(principal).catch((err: unknown) =>
        this.deps.log.warn({ err }, 'presence audience refresh failed'),
      );
    if (event.type === 'SettingsUpdated') this.applyForcedStatus(connection, event.data.document);
  }

  /**
   * A forced status set while connected applies to every connection of the user at once (each one
   * hears SettingsUpdated). Clearing it leaves the devices as they are. A device already closed is
   * NOT_FOUND in the presence store: nothing to do then.
   */
  private applyForcedStatus(connection: RealtimeConnection, document: Record<string, unknown>): void {
    const forced = readDocument(document).status.forced;
    const status = forced ? STATUS[forced] : undefined;
    if (!status) return;
    const { userId } = connection.principal;
    connection.presenceReady
      .then(() => this.deps.presence.update(userId, connection.id, status, undefined))
      .catch((err: unknown) => {
        if (!(err instanceof DomainError)) this.deps.log.warn({ err, userId }, 'forced status not applied');
      });
  }

  /** The connection no longer counts as registering (it is, or will never be, a stored device). */
  private uncount(hold: ConnectionHold): void {
    if (!hold.counted) return;
    hold.counted = false;
    const { userId } = hold.connection.principal;
    const left = (this.registering.get(userId) ?? 1) - 1;
    if (left > 0) this.registering.set(userId, left);
    else this.registering.delete(userId);
  }

  /** The socket closed: everything the connection held goes, its device once registration settled. */
  private release(hold: ConnectionHold): void {
    hold.closed = true;
    const { connection } = hold;
    this.uncount(hold);
    if (hold.expiryBucket !== undefined) this.expiries.remove(connection, hold.expiryBucket);
    hold.revoked?.close();
    if (!hold.registered) return;
    // After registration settles: a socket gone before its device was stored must not leave one behind.
    const { presence, log } = this.deps;
    connection.presenceReady
      .then(() => presence.close(connection.principal.userId, connection.id))
      .catch((err: unknown) => log.warn({ err }, 'presence close failed'));
  }

  /**
   * One read through the gateway before a connection is accepted: whether the token's session still
   * exists (a signed-out session's JWT stays valid until it expires, but opens no new connection;
   * issue 11, item 12), and the user's forced and custom status (both from the accounts subgraph, so
   * one fetch). A status that cannot be read is logged and ignored: the connection then starts as it
   * asked.
   */
  private async connectChecks(
    principal: UserPrincipal,
  ): Promise<{ session: boolean | 'unknown'; statusSettings: StatusSettings }> {
    const result = await this.deps
      .run(CONNECT_CHECKS, {}, principal)
      .catch((error: unknown): ExecutionResult => ({ errors: [error as DomainError] }));
    const data = result.data as Partial<ConnectChecksData> | null | undefined;
    const errors = result.errors?.map((e) => e.message);
    if (typeof data?.sessionActive !== 'boolean') {
      this.deps.log.warn({ errors }, 'session check failed');
      return { session: 'unknown', statusSettings: {} };
    }
    const status = data.mySettings?.status;
    if (!status) this.deps.log.warn({ errors }, 'presence: status settings unread');
    return { session: data.sessionActive, statusSettings: status ? statusFrom(status) : {} };
  }

  /**
   * Registers the connection's presence device. It starts from the user's forced status (mySettings)
   * when they set one, else the status the connection asked for, else online; and from the custom
   * status of their settings when the connection gave none.
   */
  private async openPresence(
    hold: ConnectionHold,
    settings: StatusSettings,
    asked?: DeviceStatus,
    askedCustom?: string,
  ) {
    const { connection } = hold;
    const { userId } = connection.principal;
    try {
      const audience = await this.guildIdsOf(connection.principal);
      const status = settings.forced ?? asked ?? 'online';
      const customStatus = askedCustom ?? settings.custom;
      const device = { userId, deviceId: connection.id, status, customStatus, audience };
      // Stored and no longer registering in one turn: an admission check sees one or the other.
      await this.inTurn(userId, () => this.deps.presence.open(device).finally(() => this.uncount(hold)));
    } catch (err) {
      this.deps.log.warn({ err, userId }, 'presence: could not register the connection');
    }
  }

  /** Connections of each user whose presence device is not in the store yet. */
  private readonly registering = new Map<string, number>();

  /**
   * Per user, the admission check (stored devices plus registering connections) and a device's move
   * from registering to stored take turns. Otherwise a check could read the store after a device was
   * written but before its connection stopped counting as registering, count it twice, and refuse a
   * connection within the limit with 4429.
   */
  private readonly turns = new Map<string, Promise<unknown>>();

  private inTurn<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const result = (this.turns.get(userId) ?? Promise.resolve()).then(work);
    const settled = result.catch(() => undefined);
    this.turns.set(userId, settled);
    void settled.then(() => {
      if (this.turns.get(userId) === settled) this.turns.delete(userId);
    });
    return result;
  }

  /** Once per user and burst, however many of their connections this router holds. */
  private readonly audienceRefreshes = new Map<string, Promise<void>>();

  private refreshAudience(principal: UserPrincipal): Promise<void> {
    const { userId } = principal;
    let pending = this.audienceRefreshes.get(userId);
    if (!pending) {
      pending = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 100)); // coalesce the user's connections
        this.audienceRefreshes.delete(userId);
        await this.deps.presence.setAudience(userId, await this.guildIdsOf(principal));
      })();
      this.audienceRefreshes.set(userId, pending);
    }
    return pending;
  }

  private async guildIdsOf(principal: UserPrincipal): Promise<string[]> {
    const { guilds } = await loadGuildIds(this.deps.run, principal);
    return guilds;
  }

  async updatePresence(
    connection: RealtimeConnection,
    args: Record<string, unknown>,
  ): Promise<ExecutionResult> {
    const status = STATUS[String(args.status)];
    const customStatus = args.customStatus as string | null | undefined;
    try {
      if (!status) throw new DomainError('VALIDATION', 'Unknown status.');
      await this.deps.mutationLimiter.consume(connection.principal.userId, 'updatePresence');
      await connection.presenceReady;
      if (typeof customStatus === 'string' && customStatus.length > CUSTOM_STATUS_MAX_LENGTH)
        throw new DomainError(
          'VALIDATION',
          `customStatus is at most ${CUSTOM_STATUS_MAX_LENGTH} characters.`,
        );
      const own: OwnPresence = await this.deps.presence.update(
        connection.principal.userId,
        connection.id,
        status,
        customStatus,
      );
      return {
        data: { updatePresence: { status: own.status.toUpperCase(), customStatus: own.customStatus } },
      };
    } catch (error) {
      if (error instanceof DomainError) return { errors: [error] };
      this.deps.log.error({ err: error }, 'updatePresence failed');
      return { errors: [new DomainError('SERVICE_UNAVAILABLE', 'Presence is unavailable. Retry shortly.')] };
    }
  }
}

/** The status part of the user's settings, as the connection starts from it. */
interface StatusSettings {
  forced?: DeviceStatus;
  custom?: string;
}

interface StatusSettingsData {
  forced: string | null;
  custom: { text: string; expiresAt: string | null } | null;
}

interface ConnectChecksData {
  sessionActive: boolean;
  mySettings: { status: StatusSettingsData } | null;
}

function statusFrom({ forced, custom }: StatusSettingsData): StatusSettings {
  const current = custom && (custom.expiresAt === null || new Date(custom.expiresAt) > new Date());
  return {
    forced: forced ? STATUS[forced] : undefined,
    // Presence keeps as long a text as settings allow; the cut only guards against a longer one.
    custom: current && custom.text ? custom.text.slice(0, CUSTOM_STATUS_MAX_LENGTH) : undefined,
  };
}

const CONNECT_CHECKS = parse(/* GraphQL */ `
  query ConnectChecks {
    sessionActive
    mySettings {
      status {
        forced
        custom {
          text
          expiresAt
        }
      }
    }
  }
`);
