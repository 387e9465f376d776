import { ReplayGapError, type BusEvent, type EventBus } from '@gochat/bus';
import { DomainError } from '@gochat/errors';
import type { Logger } from '@gochat/log';
import {
  GraphQLError,
  Kind,
  getOperationAST,
  parse,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';

import type { RouterMetrics } from '../metrics.ts';
import { formatCursor, parseCursor, resyncRequired } from '../realtime/cursor.ts';
import { Feed } from '../realtime/feed.ts';
import type { Principal } from '../principal.ts';
import { BoundedQueue } from './bounded-queue.ts';
import {
  EVENT_VARIABLE_PREFIX,
  hydrationVariables,
  planHydration,
  type HydrationPlan,
} from './hydration-document.ts';
import { Hydrator, type Runner } from './hydrator.ts';
import {
  RESUME_ARGUMENT,
  renderTemplate,
  type SubscriptionField,
  type SubscriptionManifest,
} from './manifest.ts';
import type { SubjectHub } from './subject-hub.ts';

export interface PreparedSubscription {
  field: string;
  responseName: string;
  spec: SubscriptionField;
  subject: string;
  plan: HydrationPlan;
  /** The shared hydration credential: it may read the scoped channel only. */
  scope: Principal & { kind: 'scope' };
  /** Listening (and any replay after the client's cursor) has started: attach to deliver. */
  feed: Feed;
  queue: BoundedQueue<BusEvent>;
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
    this.hydrator = new Hydrator(options.run, options.hydrationTtlMs, (field) =>
      options.metrics.hydrations.inc({ field }),
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

    const { [RESUME_ARGUMENT]: after, ...guardValues } = argValues;
    const guard = await this.options.run(this.guardDocument(fieldName, spec), guardValues, principal);
    if (guard.errors?.length)
      // Guard paths name internal fields; the client only needs the code and the message.
      return guard.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions }));

    if (operation.variableDefinitions?.some((d) => d.variable.name.value.startsWith(EVENT_VARIABLE_PREFIX)))
      return [new GraphQLError(`Variable names starting with ${EVENT_VARIABLE_PREFIX} are reserved.`)];

    const scope = this.scopeOf(renderTemplate(spec.scope, argValues));
    const subject = renderTemplate(spec.subject, argValues);
    const { hub, bus, queueLimit = 1_000, maxReplay } = this.options;
    const epoch = await bus.epoch();
    let afterSeq: number | undefined;
    try {
      afterSeq = typeof after === 'string' ? parseCursor(after, epoch) : undefined;
    } catch (error) {
      return [error as GraphQLError];
    }
    const feed: Feed = new Feed({
      hub,
      bus,
      maxReplay,
      queueLimit,
      rules: {
        patterns: () => [subject],
        replayPattern: subject,
        needsRefresh: () => false,
        refresh: () => Promise.resolve(),
        decide: (event) => (event.type === spec.eventType ? 'deliver' : 'skip'),
      },
      deliver: (event) => queue.push(event),
      // The feed ends only when stopped here, or when it cannot keep up (then so does the client).
      onEnd: () => undefined,
      onOverflow: () => void queue.return(),
    });
    const queue = new BoundedQueue<BusEvent>(queueLimit, () => feed.stop());
    try {
      await feed.start(afterSeq);
    } catch (error) {
      feed.stop();
      if (error instanceof ReplayGapError)
        return [resyncRequired('Events after the cursor are no longer kept.')];
      throw error;
    }
    return {
      field: fieldName,
      responseName: root.alias?.value ?? fieldName,
      spec,
      subject,
      plan: planHydration({
        document: args.document,
        operation,
        field: root,
        spec,
        variables: args.variableValues ?? {},
        scope: JSON.stringify(scope),
      }),
      scope,
      feed,
      queue,
      epoch,
    };
  }

  /** Starts delivery; the bus listens since prepare(), so nothing committed after it is missed. */
  subscribe(prepared: PreparedSubscription): AsyncIterableIterator<ExecutionResult> {
    const { metrics, log } = this.options;
    const { field, queue, feed } = prepared;
    feed.attach();
    metrics.activeSubscriptions.inc({ field });

    let finished = false;
    let overflowReported = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      feed.stop();
      metrics.activeSubscriptions.dec({ field });
    };

    const iterator: AsyncIterableIterator<ExecutionResult> = {
      next: async () => {
        for (;;) {
          const item = await queue.next();
          if (item.done) {
            finish();
            if (queue.overflowed && !overflowReported) {
              overflowReported = true;
              log.warn({ field, subject: prepared.subject }, 'subscription overflowed: slow consumer');
              return {
                value: {
                  errors: [new DomainError('SLOW_CONSUMER', 'Too many undelivered events; subscribe again.')],
                },
                done: false,
              };
            }
            return { value: undefined, done: true };
          }
          const result = await this.hydrate(prepared, item.value);
          if (result) {
            metrics.deliveries.inc({ field });
            return { value: result, done: false };
          }
        }
      },
      return: async () => {
        await queue.return();
        finish();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  private async hydrate(
    prepared: PreparedSubscription,
    event: BusEvent,
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
