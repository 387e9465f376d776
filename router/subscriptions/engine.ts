import type { EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import type { EventType } from '@gochat/events';
import type { Logger } from '@gochat/log';
import {
  GraphQLError,
  Kind,
  getOperationAST,
  parse,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';

import type { AccessReads } from '../live/access.ts';
import { channelRules } from '../live/channel-rules.ts';
import { findContainer } from '../live/container.ts';
import { formatCursor } from '../live/cursor.ts';
import type { LiveEvent } from '../live/event.ts';
import type { FeedRules } from '../live/feed.ts';
import { LiveFeed, startPoint, type StartPoint } from '../live/live-feed.ts';
import type { Runner } from '../live/runner.ts';
import type { SubjectHub } from '../live/subject-hub.ts';
import type { RouterMetrics } from '../metrics.ts';
import type { Principal } from '../principal.ts';
import type { OperationLimits } from '../operation-limits.ts';
import {
  EVENT_VARIABLE_PREFIX,
  hydrationVariables,
  planHydration,
  type HydrationPlan,
} from './hydration-document.ts';
import { Hydrator } from './hydrator.ts';
import {
  RESUME_ARGUMENT,
  renderTemplate,
  type SubscriptionField,
  type SubscriptionManifest,
} from './manifest.ts';

export interface PreparedSubscription {
  field: string;
  responseName: string;
  spec: SubscriptionField;
  subject: string;
  plan: HydrationPlan;
  /** The shared hydration credential: it may read the scoped channel only. */
  scope: Principal & { kind: 'scope' };
  /**
   * Listening (and any replay after the client's cursor) has started; accepted events queue for
   * hydration, and a DomainError ends them when the subscriber lost access.
   */
  live: LiveFeed;
  /** Gives back the subscriber's place for this selection on the channel (once, at the end). */
  release: () => void;
  epoch: string;
}

export function isPrepared(
  value: PreparedSubscription | readonly GraphQLError[],
): value is PreparedSubscription {
  return !Array.isArray(value);
}

export interface EngineOptions {
  manifest: SubscriptionManifest;
  hub: SubjectHub;
  bus: EventBus;
  run: Runner;
  /** A resume further behind than this many stored events gets RESYNC_REQUIRED. */
  maxReplay: number;
  log: Logger;
  metrics: RouterMetrics;
  hydrationTtlMs: number;
  /** Gateway hydrations at once. */
  hydrationConcurrency?: number;
  /** Per-user caps on differently-shaped subscriptions to one channel. */
  limits: OperationLimits;
  /** Access reads shared with the user's other feeds on this router. */
  reads: AccessReads;
  /** Events buffered per subscription before it ends with SLOW_CONSUMER. */
  queueLimit?: number;
}

/**
 * The router's subscription executor (the gateway cannot run subscriptions). prepare() authorizes
 * as the subscriber by running the field's guard; subscribe() listens on the field's subject and
 * turns each matching event into the client's payload through a shared hydration.
 */
export class SubscriptionEngine {
  private readonly hydrator: Hydrator;
  private readonly guards = new Map<string, DocumentNode>();

  constructor(private readonly options: EngineOptions) {
    this.hydrator = new Hydrator(
      options.run,
      options.hydrationTtlMs,
      (field) => options.metrics.hydrations.inc({ field }),
      options.hydrationConcurrency,
    );
  }

  async prepare(
    args: ExecutionArgs,
    principal: Principal,
  ): Promise<PreparedSubscription | readonly GraphQLError[]> {
    const operation = getOperationAST(args.document, args.operationName);
    const root = operation?.selectionSet.selections[0];
    if (!operation || root?.kind !== Kind.FIELD)
      return [new GraphQLError('Select the subscription field directly at the root of the operation.')];
    const fieldName = root.name.value;
    const spec = this.options.manifest.fields[fieldName];
    const fieldDef = args.schema.getSubscriptionType()?.getFields()[fieldName];
    if (!spec || !fieldDef) return [new GraphQLError(`Subscription.${fieldName} cannot be served.`)];

    let argValues: Record<string, unknown>;
    try {
      argValues = getArgumentValues(fieldDef, root, args.variableValues ?? {});
    } catch (error) {
      return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }

    if (principal.kind !== 'user') return [new DomainError('UNAUTHENTICATED', 'Sign in to subscribe.')];
    if (operation.variableDefinitions?.some((d) => d.variable.name.value.startsWith(EVENT_VARIABLE_PREFIX)))
      return [new GraphQLError(`Variable names starting with ${EVENT_VARIABLE_PREFIX} are reserved.`)];
    let scope: Principal & { kind: 'scope' };
    let subject: string;
    try {
      scope = this.scopeOf(renderTemplate(spec.scope, argValues));
      subject = renderTemplate(spec.subject, argValues);
    } catch {
      return [new DomainError('VALIDATION', `Give the arguments ${fieldName} needs.`)];
    }
    const plan = planHydration({
      document: args.document,
      operation,
      field: root,
      spec,
      variables: args.variableValues ?? {},
      scope: JSON.stringify(scope),
    });
    // Each distinct selection on a channel costs a hydration per message: a user gets a few. Checked
    // first, so a flood of refused shapes costs no gateway query.
    const release = this.options.limits.holdSelection(principal.userId, subject, plan.shareKey);
    if (release instanceof DomainError) return [release];
    let prepared: PreparedSubscription | readonly GraphQLError[] = [];
    try {
      const { [RESUME_ARGUMENT]: after, ...guardValues } = argValues;
      const guard = await this.options.run(this.guardDocument(fieldName, spec), guardValues, principal);
      if (guard.errors?.length)
        // Guard paths name internal fields; the client only needs the code and the message.
        return (prepared = guard.errors.map(
          (e) => new GraphQLError(e.message, { extensions: e.extensions }),
        ));
      let at: StartPoint;
      try {
        at = await startPoint(this.options.bus, after);
      } catch (error) {
        if (error instanceof DomainError) return (prepared = [error]);
        throw error;
      }
      prepared = await this.startFeed(principal, { spec, subject, scope, plan, at, root });
      if (isPrepared(prepared)) prepared.release = release;
      return prepared;
    } finally {
      if (!isPrepared(prepared)) release();
    }
  }

  private async startFeed(
    principal: Principal & { kind: 'user' },
    prepared: {
      spec: SubscriptionField;
      subject: string;
      scope: Principal & { kind: 'scope' };
      plan: HydrationPlan;
      at: StartPoint;
      root: FieldNode;
    },
  ): Promise<PreparedSubscription | readonly GraphQLError[]> {
    const { spec, subject, scope, plan, at, root } = prepared;
    const { hub, bus, queueLimit = 1_000, maxReplay, run, reads } = this.options;
    // The same current-access rules as channelEvents: the subscription ends, with the same typed
    // reasons, as soon as the subscriber may no longer see the channel.
    let live: LiveFeed;
    try {
      const ctx = { run, principal, largeGuildMembers: 0, reads };
      const container = await findContainer(run, principal, scope.scope.channelId);
      const rules = onlyType(await channelRules(ctx, container, { typing: false }), spec.eventType);
      // Accepted events queue for hydration; a subscriber that cannot keep up just ends.
      live = await LiveFeed.start({ hub, bus, maxReplay, queueLimit, rules }, at);
    } catch (error) {
      if (error instanceof DomainError) return [error];
      throw error;
    }
    return {
      field: root.name.value,
      responseName: root.alias?.value ?? root.name.value,
      spec,
      subject,
      plan,
      scope,
      live,
      epoch: at.epoch,
      release: () => {},
    };
  }

  /** Starts delivery; the bus listens since prepare(), so nothing committed after it is missed. */
  subscribe(prepared: PreparedSubscription): AsyncIterableIterator<ExecutionResult> {
    const { metrics, log } = this.options;
    const { field } = prepared;
    const iterator = prepared.live.subscribe({
      render: async (event) => {
        const result = await this.hydrate(prepared, event);
        if (result) metrics.deliveries.inc({ field });
        return result;
      },
      onSlowConsumer() {
        log.warn({ field, subject: prepared.subject }, 'subscription overflowed: slow consumer');
      },
      onFinish() {
        prepared.release();
        metrics.activeSubscriptions.dec({ field });
      },
    });
    metrics.activeSubscriptions.inc({ field });
    return iterator;
  }

  private async hydrate(
    prepared: PreparedSubscription,
    event: LiveEvent,
  ): Promise<ExecutionResult | undefined> {
    const variables = hydrationVariables(prepared.plan, prepared.spec, event.data);
    if (!variables) {
      this.options.log.warn({ event: event.id, type: event.type }, 'event lacks the keys its lookup needs');
      return undefined;
    }
    const result = await this.hydrator.hydrate({
      event,
      shareKey: prepared.plan.shareKey,
      document: prepared.plan.document,
      variables,
      principal: prepared.scope,
      field: prepared.field,
    });
    // The entity may be gone by the time the event is hydrated (deleted right after): nothing to send.
    if (result.data?.[prepared.responseName] == null) {
      if (result.errors?.length)
        this.options.log.debug(
          { event: event.id, errors: result.errors.map((e) => e.message) },
          'hydration empty',
        );
      return undefined;
    }
    if (event.seq === undefined) return result;
    // Shared across subscribers: a copy per delivery carries the cursor.
    return {
      ...result,
      extensions: { ...result.extensions, cursor: formatCursor(prepared.epoch, event.seq) },
    };
  }

  private guardDocument(field: string, spec: SubscriptionField): DocumentNode {
    let document = this.guards.get(field);
    if (!document) {
      const definitions = Object.entries(spec.arguments)
        .filter(([name]) => name !== RESUME_ARGUMENT)
        .map(([name, type]) => `$${name}: ${type}`);
      document = parse(
        `query SubscriptionGuard${definitions.length ? `(${definitions.join(', ')})` : ''} { ${spec.guard} }`,
      );
      this.guards.set(field, document);
    }
    return document;
  }

  private scopeOf(rendered: string): Principal & { kind: 'scope' } {
    const [kind, id] = rendered.split(':');
    if (kind === 'channel' && id) return { kind: 'scope', scope: { channelId: id } };
    throw new Error(`unsupported subscription scope ${rendered}`);
  }
}

/**
 * A channel's rules narrowed to one event type (messageCreated delivers MessageCreated only). A
 * replay needs no screening here: the guard required READ_MESSAGE_HISTORY, and each event is hydrated
 * from the store, so a deleted message is dropped and content is as history shows it.
 */
function onlyType(rules: FeedRules, eventType: EventType): FeedRules {
  return {
    patterns: () => rules.patterns(),
    replayPatterns: () => rules.replayPatterns(),
    needsRefresh: (event) => rules.needsRefresh(event),
    refresh: (event) => rules.refresh(event),
    decide(event) {
      const verdict = rules.decide(event);
      if (verdict === 'skip' || verdict instanceof DomainError) return verdict;
      return event.type === eventType ? 'deliver' : 'skip';
    },
  };
}
