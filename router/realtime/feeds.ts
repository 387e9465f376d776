import { randomUUID } from 'node:crypto';

import type { EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import { subjects } from '@gochat/events';
import type { Logger } from '@gochat/log';
import type { ExecutionResult } from 'graphql';

import type { AccessReads } from '../live/access.ts';
import type { RulesContext } from '../live/channel-rules.ts';
import { findContainer } from '../live/container.ts';
import { toLiveEvent, type LiveEvent } from '../live/event.ts';
import type { FeedRules } from '../live/feed.ts';
import { LiveFeed, startPoint, type StartPoint } from '../live/live-feed.ts';
import type { Runner } from '../live/runner.ts';
import type { SubjectHub } from '../live/subject-hub.ts';
import type { RouterMetrics } from '../metrics.ts';
import type { OperationLimits } from '../operation-limits.ts';
import type { RealtimeConnection } from './connections.ts';
import { PayloadCache, type FeedEvent, type Selection } from './payload.ts';
import type { PresenceService } from './presence.ts';
import { channelRules, guildRules, memberPresenceRules, viewerRules } from './rules.ts';
import { REALTIME_CLOSE } from './socket-writer.ts';

export interface FeedSettings {
  maxReplay: number;
  largeGuildMembers: number;
  feedQueueLimit: number;
}

export interface PreparedFeed {
  field: string;
  subscribe(): AsyncIterableIterator<ExecutionResult>;
}

/**
 * The resumable real-time feeds (decision 0017): viewerFeed, guildEvents, channelEvents and
 * memberPresence, started on the live core and written straight to their connection's socket, one
 * shared frame per event, selection and view.
 */
export class RealtimeFeeds {
  private readonly frames: PayloadCache;

  constructor(
    private readonly deps: {
      reads: AccessReads;
      limits: OperationLimits;
      bus: EventBus;
      hub: SubjectHub;
      run: Runner;
      presence: PresenceService;
      log: Logger;
      metrics: RouterMetrics;
      settings: FeedSettings;
    },
  ) {
    this.frames = new PayloadCache((field) => deps.metrics.feedPayloads.inc({ field }));
  }

  /** Authorizes and starts a feed (listening and any replay); refusals are DomainErrors. */
  async prepare(
    connection: RealtimeConnection,
    operationId: string,
    selection: Selection,
    args: Record<string, unknown>,
  ): Promise<PreparedFeed> {
    const at = await startPoint(this.deps.bus, args.after);
    // Each distinct selection of the same feed costs a payload build per event: a user gets a few.
    const { after: _after, ...target } = args;
    const release = this.deps.limits.holdSelection(
      connection.principal.userId,
      `${selection.field}:${JSON.stringify(target)}`,
      selection.key,
    );
    if (release instanceof DomainError) throw release;
    try {
      return await this.startFeed(connection, operationId, selection, args, at, release);
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
    at: StartPoint,
    release: () => void,
  ): Promise<PreparedFeed> {
    const { bus, settings, run, hub, metrics, log } = this.deps;
    const ctx: RulesContext = {
      run,
      principal: connection.principal,
      largeGuildMembers: settings.largeGuildMembers,
      reads: this.deps.reads,
    };
    const { rules, initial } = await this.rulesFor(selection.field, ctx, args);
    const { field } = selection;
    const sink = this.frames.sink(connection.writer, operationId, at.epoch, selection, metrics.deliveries);
    const live = await LiveFeed.start(
      {
        hub,
        bus,
        rules,
        maxReplay: settings.maxReplay,
        queueLimit: settings.feedQueueLimit,
        deliver: (event, view) => sink.send(event, view),
        onOverflow() {
          connection.close(
            REALTIME_CLOSE.slowConsumer,
            'Slow consumer: reconnect and resume',
            'slow_consumer',
          );
        },
        onError(err) {
          log.warn({ err, field }, 'feed ended on an error');
        },
      },
      at,
    );
    return {
      field,
      subscribe() {
        metrics.activeSubscriptions.inc({ field });
        // First on every feed: where it starts. Subscribe, wait for this, then load history up to it.
        sink.send(subscribedEvent(live.startSeq));
        for (const event of initial) sink.send(event);
        return live.subscribe({
          onFinish() {
            metrics.activeSubscriptions.dec({ field });
            release();
          },
        });
      },
    };
  }

  private async rulesFor(
    field: string,
    ctx: RulesContext,
    args: Record<string, unknown>,
  ): Promise<{ rules: FeedRules; initial: LiveEvent[] }> {
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
  private async presenceSnapshot(userIds: string[]): Promise<LiveEvent[]> {
    const presences = await this.deps.presence.get(userIds);
    const occurredAt = new Date().toISOString();
    return [...presences.values()]
      .filter((p) => p.status !== 'offline')
      .flatMap(
        (p) =>
          toLiveEvent({
            id: randomUUID(),
            type: 'PresenceUpdated',
            subject: subjects.presenceUser(p.userId),
            occurredAt,
            data: { userId: p.userId, status: p.status, customStatus: p.customStatus },
          }) ?? [],
      );
  }
}

/** The first event of every feed: its start position as a cursor, no payload. Not a bus event. */
function subscribedEvent(seq: number): FeedEvent {
  return { type: 'Subscribed', occurredAt: new Date().toISOString(), data: {}, seq };
}
