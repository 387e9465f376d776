import { randomUUID } from 'node:crypto';

import { ReplayGapError, type BusEvent, type EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import type { Logger } from '@gochat/log';
import { CUSTOM_STATUS_MAX_LENGTH, type DeviceStatus, type OwnPresence } from '@gochat/presence';
import { parse, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

import type { RouterMetrics } from '../metrics.ts';
import type { OperationLimits } from '../operation-limits.ts';
import type { MutationLimiter } from '../rate-limits.ts';
import type { Principal } from '../principal.ts';
import type { Runner } from '../subscriptions/hydrator.ts';
import type { Listening, SubjectHub } from '../subscriptions/subject-hub.ts';
import { loadGuildIds, type AccessReads } from './access.ts';
import { findContainer } from './container.ts';
import { parseCursor, resyncRequired } from './cursor.ts';
import { Feed, type FeedRules } from './feed.ts';
import { ExpiryWheel } from './expiry-wheel.ts';
import { PayloadCache, type Selection } from './payload.ts';
import type { View } from './redaction.ts';
import type { PresenceService } from './presence.ts';
import { channelRules, guildRules, memberPresenceRules, viewerRules, type RulesContext } from './rules.ts';
import { REALTIME_CLOSE, SocketWriter } from './socket-writer.ts';

type UserPrincipal = Principal & { kind: 'user' };

export interface RealtimeSettings {
  maxReplay: number;
  largeGuildMembers: number;
  feedQueueLimit: number;
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

export interface PreparedFeed {
  field: string;
  subscribe(): AsyncIterableIterator<ExecutionResult>;
}

const FRAME_END = Buffer.from('}');

const STATUS: Record<string, DeviceStatus> = {
  ONLINE: 'online',
  IDLE: 'idle',
  DND: 'dnd',
  INVISIBLE: 'invisible',
};

/**
 * The router's real-time side (decision 0017): connections as presence devices with token and
 * session lifecycles, and the resumable feeds (viewerFeed, guildEvents, channelEvents,
 * memberPresence) written straight to their sockets.
 */
export class RealtimeService {
  private readonly payloads: PayloadCache;
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
      reads: AccessReads;
      limits: OperationLimits;
      bus: EventBus;
      hub: SubjectHub;
      run: Runner;
      presence: PresenceService;
      log: Logger;
      metrics: RouterMetrics;
      settings: RealtimeSettings;
    },
  ) {
    this.payloads = new PayloadCache((field) => deps.metrics.feedPayloads.inc({ field }));
  }

  /**
   * Registers a connection, or closes it (4429) when its user has too many. Everything the connection
   * holds (its place in the per-user count, its presence device, its listens) is released by a close
   * handler registered before the first await: a socket reset at any point leaves nothing behind.
   */
  async open(
    socket: WebSocket,
    principal: UserPrincipal,
    params: Record<string, unknown> | undefined,
  ): Promise<RealtimeConnection | undefined> {
    const { presence, settings, metrics, hub, log } = this.deps;
    if (socket.readyState !== socket.OPEN) return undefined;
    const connection: RealtimeConnection = {
      id: randomUUID(),
      principal,
      writer: new SocketWriter(socket, settings.maxWsBufferedBytes, () =>
        metrics.socketsClosed.inc({ reason: 'slow_consumer' }),
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

    const devices = await presence.deviceCount(userId);
    if (hold.closed) return undefined;
    // This connection is among the registering ones: the others, plus the stored devices, must leave room.
    if (devices + (this.registering.get(userId) ?? 1) - 1 >= settings.maxConnectionsPerUser) {
      connection.close(
        REALTIME_CLOSE.connectionLimit,
        'Too many connections for this user',
        'connection_limit',
      );
      return undefined;
    }
    const session = await this.sessionActive(principal);
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
    hold.revoked = hub.listen(`user.${userId}`, (event) => {
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
          log.warn({ err }, 'presence audience refresh failed'),
        );
    });
    const wanted = (params?.presence ?? {}) as { status?: unknown; customStatus?: unknown };
    const status = STATUS[String(wanted.status)] ?? 'online';
    const customStatus =
      typeof wanted.customStatus === 'string'
        ? wanted.customStatus.slice(0, CUSTOM_STATUS_MAX_LENGTH)
        : undefined;
    // Presence needs the user's guilds; it is registered in the background so connecting stays fast.
    hold.registered = true;
    connection.presenceReady = this.openPresence(connection, status, customStatus).finally(() =>
      this.uncount(hold),
    );
    return connection;
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
   * Whether the token's session still exists: a signed-out session's JWT stays valid until it expires,
   * but opens no new connection (issue 11, item 12).
   */
  private async sessionActive(principal: UserPrincipal): Promise<boolean | 'unknown'> {
    const result = await this.deps
      .run(SESSION_ACTIVE, {}, principal)
      .catch((error: unknown): ExecutionResult => ({ errors: [error as DomainError] }));
    if (result.errors?.length || !result.data) {
      this.deps.log.warn({ errors: result.errors?.map((e) => e.message) }, 'session check failed');
      return 'unknown';
    }
    return (result.data as { sessionActive: boolean }).sessionActive;
  }

  private async openPresence(connection: RealtimeConnection, status: DeviceStatus, customStatus?: string) {
    const { userId } = connection.principal;
    try {
      const audience = await this.guildIdsOf(connection.principal);
      await this.deps.presence.open({ userId, deviceId: connection.id, status, customStatus, audience });
    } catch (err) {
      this.deps.log.warn({ err, userId }, 'presence: could not register the connection');
    }
  }

  /** Connections of each user whose presence device is not in the store yet. */
  private readonly registering = new Map<string, number>();

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

  /** Authorizes and starts a feed (listening and any replay); refusals are DomainErrors. */
  async prepare(
    connection: RealtimeConnection,
    operationId: string,
    selection: Selection,
    args: Record<string, unknown>,
  ): Promise<PreparedFeed> {
    const { bus } = this.deps;
    const epoch = await bus.epoch();
    const after = typeof args.after === 'string' ? parseCursor(args.after, epoch) : undefined;
    // A resume replays events the access read below already reflects: they must not end the feed.
    const accessAsOf = after === undefined ? 0 : await bus.position();
    // Each distinct selection of the same feed costs a payload build per event: a user gets a few.
    const { after: _after, ...target } = args;
    const release = this.deps.limits.holdSelection(
      connection.principal.userId,
      `${selection.field}:${JSON.stringify(target)}`,
      selection.key,
    );
    if (release instanceof DomainError) throw release;
    try {
      return await this.startFeed(connection, operationId, selection, args, {
        epoch,
        after,
        accessAsOf,
        release,
      });
    } catch (error) {
      release();
      throw error;
    }
  }

  private async startFeed(
    connection: RealtimeConnection,
    operationId: string,
    selection: Selection,
    args: Record<string, unknown>,
    at: { epoch: string; after: number | undefined; accessAsOf: number; release: () => void },
  ): Promise<PreparedFeed> {
    const { bus, settings, run, hub, metrics, log } = this.deps;
    const { epoch, after, accessAsOf, release } = at;
    const ctx: RulesContext = {
      run,
      principal: connection.principal,
      largeGuildMembers: settings.largeGuildMembers,
      reads: this.deps.reads,
    };
    const { rules, initial } = await this.rulesFor(selection.field, ctx, args);

    const prefix = Buffer.from(`{"id":${JSON.stringify(operationId)},"type":"next","payload":`);
    const payloads = this.payloads;
    const sink = {
      send(event: BusEvent, view?: View) {
        const frame = Buffer.concat([prefix, payloads.payload(event, epoch, selection, view), FRAME_END]);
        if (connection.writer.send(frame)) metrics.deliveries.inc({ field: selection.field });
      },
    };
    let settle: ((error: DomainError | undefined) => void) | undefined;
    let endedWith: { error: DomainError | undefined } | undefined;
    const feed = new Feed({
      hub,
      bus,
      rules,
      maxReplay: settings.maxReplay,
      queueLimit: settings.feedQueueLimit,
      deliver(event, view) {
        sink.send(event, view);
      },
      onEnd(error) {
        endedWith = { error };
        settle?.(error);
      },
      onOverflow() {
        connection.close(REALTIME_CLOSE.slowConsumer, 'Slow consumer: reconnect and resume', 'slow_consumer');
      },
      onError(err) {
        log.warn({ err, field: selection.field }, 'feed ended on an error');
      },
    });
    try {
      await feed.start(after, accessAsOf);
    } catch (error) {
      feed.stop();
      if (error instanceof ReplayGapError)
        throw resyncRequired('Events after the cursor are no longer kept.');
      throw error;
    }
    // First on every feed: where it starts. Subscribe, wait for this, then load history up to it.
    const subscribed = subscribedEvent(feed.startSeq);
    return {
      field: selection.field,
      subscribe() {
        metrics.activeSubscriptions.inc({ field: selection.field });
        sink.send(subscribed);
        for (const event of initial) sink.send(event);
        feed.attach();
        return feedIterator(
          feed,
          (resolve) => {
            if (endedWith) resolve(endedWith.error);
            else settle = resolve;
          },
          () => {
            metrics.activeSubscriptions.dec({ field: selection.field });
            release();
          },
        );
      },
    };
  }

  private async rulesFor(
    field: string,
    ctx: RulesContext,
    args: Record<string, unknown>,
  ): Promise<{ rules: FeedRules; initial: BusEvent[] }> {
    switch (field) {
      case 'viewerFeed': {
        const rules = await viewerRules(ctx);
        // Presence is live state, never in the log: every start, fresh or resumed, begins with it.
        const friends = [...rules.access.friends];
        return { rules, initial: friends.length ? await this.presenceSnapshot(friends) : [] };
      }
      case 'guildEvents':
        return { rules: await guildRules(ctx, String(args.guildId)), initial: [] };
      case 'channelEvents': {
        const container = await findContainer(ctx.run, ctx.principal, String(args.channelId));
        return { rules: await channelRules(ctx, container), initial: [] };
      }
      case 'memberPresence': {
        const userIds = [...new Set(args.userIds as string[])];
        if (userIds.length < 1 || userIds.length > 100)
          throw new DomainError('VALIDATION', 'Give 1 to 100 user ids.');
        const guildId = String(args.guildId);
        const rules = await memberPresenceRules(ctx, guildId, userIds);
        // Only users whose presence goes to this guild (its members): no one else's status leaks.
        const audiences = await this.deps.presence.audiences(userIds);
        const members = userIds.filter((id) => audiences.get(id)?.includes(guildId));
        return { rules, initial: members.length ? await this.presenceSnapshot(members) : [] };
      }
      default:
        throw new DomainError('VALIDATION', `Subscription.${field} cannot be served.`);
    }
  }

  /** Current presence of users, as events without a cursor (they are state, not log entries). */
  private async presenceSnapshot(userIds: string[]): Promise<BusEvent[]> {
    const presences = await this.deps.presence.get(userIds);
    const occurredAt = new Date().toISOString();
    return [...presences.values()]
      .filter((p) => p.status !== 'offline')
      .map((p) => ({
        id: randomUUID(),
        type: 'PresenceUpdated',
        subject: `presence.user.${p.userId}`,
        occurredAt,
        data: { userId: p.userId, status: p.status, customStatus: p.customStatus },
      }));
  }
}

const SESSION_ACTIVE = parse(/* GraphQL */ `
  query SessionActive {
    sessionActive
  }
`);

/** The first event of every feed: its start position as a cursor, no payload. */
function subscribedEvent(seq: number): BusEvent {
  return {
    id: randomUUID(),
    type: 'Subscribed',
    subject: '',
    occurredAt: new Date().toISOString(),
    data: {},
    seq,
  };
}

/**
 * What graphql-ws pumps for a feed: payloads go straight to the socket, so the iterator yields only
 * the final error (if any) when the feed ends. return() (client completes, socket closes) stops it.
 */
function feedIterator(
  feed: Feed,
  onEnd: (resolve: (error: DomainError | undefined) => void) => void,
  release: () => void,
): AsyncIterableIterator<ExecutionResult> {
  const ended = new Promise<DomainError | undefined>((resolve) => onEnd(resolve));
  const state = { done: false, reported: false };
  const iterator = {
    finish() {
      if (state.done) return;
      state.done = true;
      feed.stop();
      release();
    },
    async next(): Promise<IteratorResult<ExecutionResult>> {
      if (state.done) return { value: undefined, done: true };
      const error = await ended;
      if (error && !state.reported && !state.done) {
        state.reported = true;
        return { value: { errors: [error] }, done: false };
      }
      iterator.finish();
      return { value: undefined, done: true };
    },
    return(): Promise<IteratorResult<ExecutionResult>> {
      iterator.finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
