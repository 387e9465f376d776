import fs from 'node:fs';
import { randomUUID } from 'node:crypto';

import { createMemoryBus, type BusEvent, type EventBus } from '@gochat/bus';
import { silentLogger } from '@gochat/log';
import {
  GraphQLError,
  buildSchema,
  getOperationAST,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
} from 'graphql';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { createRouterMetrics, type RouterMetrics } from '../metrics.ts';
import { OperationLimits } from '../operation-limits.ts';
import { AccessReads } from '../live/access.ts';
import type { Runner } from '../live/runner.ts';
import { SubjectHub } from '../live/subject-hub.ts';
import type { Principal } from '../principal.ts';
import { isPrepared, SubscriptionEngine, type PreparedSubscription } from './engine.ts';
import { subscriptionManifestSchema } from './manifest.ts';

const schema = buildSchema(fs.readFileSync('supergraph/api-schema.graphql', 'utf8'));
const manifest = subscriptionManifestSchema.parse(
  JSON.parse(fs.readFileSync('supergraph/subscriptions.json', 'utf8')),
);

const SUBSCRIBER: Principal = { kind: 'user', userId: 'u1', expiresAt: Date.now() + 3_600_000 };
const INTRUDER_ID = 'intruder';
const INTRUDER: Principal = { kind: 'user', userId: INTRUDER_ID, expiresAt: Date.now() + 3_600_000 };
const CHANNEL = 'c1';
/** Where events of the channel are published (guild g1), and the pattern its subscribers listen on. */
const SUBJECT = `channel.g1.${CHANNEL}.messages`;
const PATTERN = `channel.*.${CHANNEL}.messages`;
const DOCUMENT =
  'subscription OnMessage($channelId: ID!) { messageCreated(channelId: $channelId) { id content } }';

interface Call {
  operation: string | undefined;
  variables: Record<string, unknown>;
  principal: Principal;
}

/**
 * Stands in for the gateway: the guard refuses INTRUDER with FORBIDDEN; a hydration answers the
 * message named by the event, under the response name the plan aliased it to.
 */
function fakeRunner(options: { missing?: Set<string> } = {}) {
  const calls: Call[] = [];
  /** What the subscriber's realtimeAccess answers: guild g1 with channel c1 visible, until changed. */
  const access = { member: true, visible: true };
  const run: Runner = (document, variables, principal) => {
    const operation = getOperationAST(document);
    calls.push({ operation: operation?.name?.value, variables, principal });
    if (operation?.name?.value === 'RealtimeChannel')
      return Promise.resolve({ data: { channel: { id: variables.id, guild: { id: 'g1' } } } });
    if (operation?.name?.value === 'RealtimeAccess') {
      const channels = access.visible ? [CHANNEL] : [];
      return Promise.resolve({
        data: {
          realtimeAccess: {
            guilds: access.member
              ? [
                  {
                    id: 'g1',
                    memberCount: 2,
                    permissions: '0',
                    channelIds: channels,
                    historyChannelIds: channels,
                  },
                ]
              : [],
            directChannelIds: [],
          },
        },
      });
    }
    if (operation?.name?.value === 'SubscriptionGuard') {
      if (principal.kind === 'user' && principal.userId === INTRUDER_ID)
        return Promise.resolve({
          data: null,
          errors: [
            new GraphQLError('You cannot read this channel.', {
              path: ['channel'],
              extensions: { code: 'FORBIDDEN' },
            }),
          ],
        });
      return Promise.resolve({ data: { channel: { id: variables.channelId } } });
    }
    if (operation?.name?.value === 'SubscriptionHydration') {
      const root = operation.selectionSet.selections[0] as FieldNode;
      const responseName = root.alias?.value ?? root.name.value;
      const id = variables.gochatEvent_messageId as string;
      if (options.missing?.has(id))
        return Promise.resolve({
          data: null,
          errors: [new GraphQLError('Message was not found.', { extensions: { code: 'NOT_FOUND' } })],
        } as ExecutionResult);
      return Promise.resolve({
        data: { [responseName]: { id, content: `text of ${id}`, createdAt: '2026-01-01T00:00:00.000Z' } },
      });
    }
    return Promise.reject(new Error(`unexpected operation ${operation?.name?.value}`));
  };
  return {
    run,
    calls,
    access,
    hydrations: () => calls.filter((c) => c.operation === 'SubscriptionHydration'),
  };
}

function args(
  source = DOCUMENT,
  variableValues: Record<string, unknown> = { channelId: CHANNEL },
): ExecutionArgs {
  return { schema, document: parse(source), variableValues };
}

function messageCreated(messageId: string, subject = SUBJECT, type = 'MessageCreated'): BusEvent {
  return {
    id: randomUUID(),
    type,
    subject,
    occurredAt: new Date().toISOString(),
    data: { messageId, channelId: CHANNEL },
  };
}

async function counter(metric: RouterMetrics['hydrations']): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

async function take(iterator: AsyncIterableIterator<ExecutionResult>, n: number) {
  const results: ExecutionResult[] = [];
  for (let i = 0; i < n; i++) {
    const next = await iterator.next();
    if (next.done) throw new Error(`iterator ended after ${i} results`);
    results.push(next.value);
  }
  return results;
}

/** Settles within a macrotask or fails: how "promptly" is checked without sleeping. */
function promptly<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('did not settle promptly')), 200)),
  ]);
}

describe('SubscriptionEngine', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.drain()));
  });

  function setup(options: { queueLimit?: number; missing?: Set<string>; maxSelections?: number } = {}) {
    const bus = createMemoryBus({ log: silentLogger });
    buses.push(bus);
    const metrics = createRouterMetrics(new Registry());
    const hub = new SubjectHub(bus, silentLogger, metrics.busSubscriptions);
    const runner = fakeRunner(options);
    const engine = new SubscriptionEngine({
      reads: new AccessReads(),
      limits: new OperationLimits({
        maxOperationsPerConnection: 100,
        maxOperationsPerUser: 100,
        maxSelectionsPerTarget: options.maxSelections ?? 4,
      }),
      manifest,
      hub,
      bus,
      maxReplay: 10_000,
      run: runner.run,
      log: silentLogger,
      metrics,
      hydrationTtlMs: 5_000,
      ...(options.queueLimit ? { queueLimit: options.queueLimit } : {}),
    });
    async function subscribe(source?: string, principal: Principal = SUBSCRIBER) {
      const prepared = await engine.prepare(args(source), principal);
      if (!isPrepared(prepared)) throw new Error(`refused: ${prepared.map((e) => e.message).join()}`);
      return engine.subscribe(prepared);
    }
    return { bus, hub, metrics, runner, engine, subscribe };
  }

  it("prepare() returns the guard's errors for a refused subscriber, without internal paths", async () => {
    const { engine, runner, hub } = setup();
    const result = await engine.prepare(args(), INTRUDER);
    expect(isPrepared(result)).toBe(false);
    const errors = result as readonly GraphQLError[];
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('You cannot read this channel.');
    expect(errors[0]!.extensions.code).toBe('FORBIDDEN');
    expect(errors[0]!.path).toBeUndefined();
    expect(errors[0]!.toJSON()).not.toHaveProperty('path');
    // The guard ran as the subscriber, with the field's arguments; nothing else ran or listened.
    expect(runner.calls).toEqual([
      { operation: 'SubscriptionGuard', variables: { channelId: CHANNEL }, principal: INTRUDER },
    ]);
    expect(hub.subjectCount).toBe(0);
  });

  it('prepare() names the subject, response name and scope of an accepted subscriber', async () => {
    const { engine } = setup();
    const prepared = (await engine.prepare(
      args('subscription S($channelId: ID!) { latest: messageCreated(channelId: $channelId) { id } }'),
      SUBSCRIBER,
    )) as PreparedSubscription;
    expect(isPrepared(prepared)).toBe(true);
    expect(prepared.field).toBe('messageCreated');
    expect(prepared.responseName).toBe('latest');
    expect(prepared.subject).toBe(PATTERN);
    expect(prepared.scope).toEqual({ kind: 'scope', scope: { channelId: CHANNEL } });
  });

  it('prepare() reads a field argument written inline as well as from a variable', async () => {
    // Coercing a literal runs graphql's instanceof checks on the schema's types: this failed with
    // "Cannot use GraphQLNonNull from another module or realm" while tests loaded two graphql copies.
    const { engine, runner } = setup();
    const prepared = await engine.prepare(
      args(`subscription { messageCreated(channelId: "${CHANNEL}") { id } }`, {}),
      SUBSCRIBER,
    );
    expect(isPrepared(prepared)).toBe(true);
    expect((prepared as PreparedSubscription).subject).toBe(PATTERN);
    expect(runner.calls[0]?.variables).toEqual({ channelId: CHANNEL });
  });

  it('prepare() refuses an operation whose variables do not satisfy the field arguments', async () => {
    const { engine, runner } = setup();
    const result = await engine.prepare(args(DOCUMENT, {}), SUBSCRIBER);
    expect(isPrepared(result)).toBe(false);
    expect((result as readonly GraphQLError[])[0]!.message).toMatch(/channelId/);
    expect(runner.calls).toHaveLength(0);
  });

  it('delivers every event to every subscriber in order, with one hydration per event', async () => {
    const { bus, hub, metrics, runner, subscribe } = setup();
    const iterators = await Promise.all(Array.from({ length: 5 }, () => subscribe()));
    // The channel's messages, and its guild's events for access changes: shared by all five.
    expect(hub.subjectCount).toBe(2);
    expect((await metrics.activeSubscriptions.get()).values[0]?.value).toBe(5);

    for (const id of ['m1', 'm2', 'm3']) await bus.publish(messageCreated(id));
    const received = await Promise.all(iterators.map((it) => take(it, 3)));

    const epoch = await bus.epoch();
    const expected = ['m1', 'm2', 'm3'].map((id, i) => ({
      data: { messageCreated: { id, content: `text of ${id}`, createdAt: '2026-01-01T00:00:00.000Z' } },
      // Each payload names its place in the log, for resuming.
      extensions: { cursor: `${epoch}.${(i + 1).toString(36)}` },
    }));
    for (const results of received) expect(results).toEqual(expected);
    expect(runner.hydrations()).toHaveLength(3);
    // Hydrations run with the channel scope, never as one of the subscribers.
    for (const call of runner.hydrations())
      expect(call.principal).toEqual({ kind: 'scope', scope: { channelId: CHANNEL } });
    expect(runner.hydrations().map((c) => c.variables)).toEqual([
      { gochatEvent_channelId: CHANNEL, gochatEvent_messageId: 'm1' },
      { gochatEvent_channelId: CHANNEL, gochatEvent_messageId: 'm2' },
      { gochatEvent_channelId: CHANNEL, gochatEvent_messageId: 'm3' },
    ]);
    expect(await counter(metrics.hydrations)).toBe(3);
    expect(await counter(metrics.deliveries)).toBe(15);

    await Promise.all(iterators.map((it) => it.return!()));
  });

  it('resumes after a cursor: the missed events first, then live ones; a foreign cursor is RESYNC_REQUIRED', async () => {
    const { bus, engine } = setup();
    const first = await (async () => {
      const prepared = await engine.prepare(args(), SUBSCRIBER);
      if (!isPrepared(prepared)) throw new Error('refused');
      return engine.subscribe(prepared);
    })();
    for (const id of ['m1', 'm2', 'm3']) await bus.publish(messageCreated(id));
    const [seen] = await take(first, 1);
    await first.return!();
    const RESUMING =
      'subscription OnMessage($channelId: ID!, $after: String) { messageCreated(channelId: $channelId, after: $after) { id } }';
    const cursor = seen!.extensions!.cursor as string;
    const prepared = await engine.prepare(args(RESUMING, { channelId: CHANNEL, after: cursor }), SUBSCRIBER);
    if (!isPrepared(prepared)) throw new Error(`refused: ${prepared.map((e) => e.message).join()}`);
    const resumed = engine.subscribe(prepared);
    await bus.publish(messageCreated('m4'));
    const ids = (await take(resumed, 3)).map((r) => (r.data!.messageCreated as { id: string }).id);
    expect(ids).toEqual(['m2', 'm3', 'm4']);
    await resumed.return!();

    const foreign = await engine.prepare(
      args(RESUMING, { channelId: CHANNEL, after: 'other.1' }),
      SUBSCRIBER,
    );
    expect(isPrepared(foreign)).toBe(false);
    expect((foreign as readonly GraphQLError[])[0]!.extensions.code).toBe('RESYNC_REQUIRED');
  });

  it('ends with the typed reason as soon as the subscriber loses access, without delivering after it', async () => {
    const { bus, runner, subscribe } = setup();
    const iterator = await subscribe();
    await bus.publish(messageCreated('m1'));
    runner.access.visible = false;
    await bus.publish({
      ...messageCreated('unused'),
      subject: 'guild.g1',
      type: 'ChannelUpdated',
      data: { guildId: 'g1', channelId: CHANNEL },
    });
    await bus.publish(messageCreated('m2'));
    const [first, end] = await take(iterator, 2);
    expect(first!.data).toEqual({ messageCreated: expect.objectContaining({ id: 'm1' }) });
    expect(end!.data).toBeUndefined();
    expect(end!.errors?.map((e) => [e.extensions.code, e.extensions.reason])).toEqual([
      ['FORBIDDEN', 'ACCESS_LOST'],
    ]);
    await expect(promptly(iterator.next())).resolves.toEqual({ value: undefined, done: true });
    expect(runner.hydrations().map((c) => c.variables.gochatEvent_messageId)).toEqual(['m1']);
  });

  it('ends with KICKED when the subscriber is kicked from the guild', async () => {
    const { bus, runner, subscribe } = setup();
    const iterator = await subscribe();
    runner.access.member = false;
    await bus.publish({
      ...messageCreated('unused'),
      subject: 'guild.g1',
      type: 'GuildMemberRemoved',
      data: { guildId: 'g1', userId: 'u1', reason: 'kick', actorId: 'owner' },
    });
    await bus.publish(messageCreated('m1'));
    const [end] = await take(iterator, 1);
    expect(end!.errors?.map((e) => [e.extensions.code, e.extensions.reason])).toEqual([
      ['FORBIDDEN', 'KICKED'],
    ]);
    expect(runner.hydrations()).toHaveLength(0);
  });

  it('hydrates separately for a subscriber with a different selection', async () => {
    const { bus, runner, subscribe } = setup();
    const plain = await subscribe();
    const other = await subscribe(
      'subscription OnMessage($channelId: ID!) { latest: messageCreated(channelId: $channelId) { id createdAt } }',
    );
    await bus.publish(messageCreated('m1'));
    const [[a], [b]] = await Promise.all([take(plain, 1), take(other, 1)]);
    expect(a!.data).toEqual({ messageCreated: expect.objectContaining({ id: 'm1' }) });
    expect(b!.data).toEqual({ latest: expect.objectContaining({ id: 'm1' }) });
    expect(runner.hydrations()).toHaveLength(2);
    await Promise.all([plain.return!(), other.return!()]);
  });

  it('lets a user hold a few differently-shaped subscriptions to one channel, and refuses more until one ends', async () => {
    const { bus, engine, runner } = setup({ maxSelections: 2 });
    const shaped = (alias: string) =>
      `subscription S($channelId: ID!) { ${alias}: messageCreated(channelId: $channelId) { id } }`;
    const prepare = (source: string, who: Principal = SUBSCRIBER) => engine.prepare(args(source), who);
    const a = await prepare(shaped('a'));
    const a2 = await prepare(shaped('a')); // the same selection again shares its place
    const b = await prepare(shaped('b'));
    const c = await prepare(shaped('c'));
    expect([a, a2, b].every(isPrepared)).toBe(true);
    expect(isPrepared(c)).toBe(false);
    expect((c as readonly GraphQLError[])[0]!.extensions.code).toBe('LIMIT_REACHED');
    // Another user has places of their own.
    const other = await prepare(shaped('c'), { ...SUBSCRIBER, userId: 'u2' });
    expect(isPrepared(other)).toBe(true);
    // One event costs one hydration per distinct selection held: a, b and the other user's c.
    const iterators = [a, a2, b, other].map((p) => engine.subscribe(p as PreparedSubscription));
    await bus.publish(messageCreated('m1'));
    await Promise.all(iterators.map((it) => take(it, 1)));
    expect(runner.hydrations()).toHaveLength(3);
    // Ending b frees its place.
    await iterators[2]!.return!();
    expect(isPrepared(await prepare(shaped('c')))).toBe(true);
    await Promise.all(iterators.map((it) => it.return!()));
  });

  it('ignores events of another type on the subject', async () => {
    const { bus, runner, subscribe } = setup();
    const iterator = await subscribe();
    await bus.publish(messageCreated('x1', SUBJECT, 'ReactionAdded'));
    await bus.publish(messageCreated('m1'));
    const [first] = await take(iterator, 1);
    expect(first!.data).toEqual({ messageCreated: expect.objectContaining({ id: 'm1' }) });
    expect(runner.hydrations()).toHaveLength(1);
    await iterator.return!();
  });

  it('skips events that lack the lookup key', async () => {
    const { bus, runner, subscribe } = setup();
    const iterator = await subscribe();
    await bus.publish({ ...messageCreated('unused'), data: { channelId: CHANNEL } });
    await bus.publish(messageCreated('m1'));
    const [first] = await take(iterator, 1);
    expect(first!.data).toEqual({ messageCreated: expect.objectContaining({ id: 'm1' }) });
    expect(runner.hydrations()).toHaveLength(1);
    await iterator.return!();
  });

  it('skips an event whose hydration finds nothing (entity gone)', async () => {
    const { bus, metrics, runner, subscribe } = setup({ missing: new Set(['gone']) });
    const iterator = await subscribe();
    await bus.publish(messageCreated('gone'));
    await bus.publish(messageCreated('m2'));
    const [first] = await take(iterator, 1);
    expect(first!.data).toEqual({ messageCreated: expect.objectContaining({ id: 'm2' }) });
    expect(runner.hydrations()).toHaveLength(2);
    expect(await counter(metrics.deliveries)).toBe(1);
    await iterator.return!();
  });

  it('return() on a waiting iterator ends it promptly and releases the bus subscription', async () => {
    const { hub, metrics, subscribe } = setup();
    const iterators = await Promise.all([subscribe(), subscribe(), subscribe()]);
    const waiting = iterators.map((it) => it.next());
    expect(hub.subjectCount).toBe(2);

    await promptly(iterators[0].return!());
    await expect(promptly(waiting[0]!)).resolves.toEqual({ value: undefined, done: true });
    expect(hub.subjectCount).toBe(2);

    await promptly(Promise.all(iterators.slice(1).map((it) => it.return!())));
    await expect(promptly(Promise.all(waiting.slice(1)))).resolves.toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
    expect(hub.subjectCount).toBe(0);
    expect((await metrics.activeSubscriptions.get()).values[0]?.value).toBe(0);
    expect((await metrics.busSubscriptions.get()).values[0]?.value).toBe(0);
  });

  it('ends a subscription that stops reading with SLOW_CONSUMER, then done', async () => {
    const { bus, hub, metrics, subscribe } = setup({ queueLimit: 2 });
    const slow = await subscribe();
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) await bus.publish(messageCreated(id));
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The overflow released the bus interest at once, before the client reads anything.
    expect(hub.subjectCount).toBe(0);

    // What was buffered within the limit is still delivered, then the error, then the end.
    const [first, second] = await take(slow, 2);
    expect(first!.data).toEqual({ messageCreated: expect.objectContaining({ id: 'm1' }) });
    expect(second!.data).toEqual({ messageCreated: expect.objectContaining({ id: 'm2' }) });
    const error = await slow.next();
    expect(error.done).toBe(false);
    const payload = error.value as ExecutionResult;
    expect(payload.data).toBeUndefined();
    expect(payload.errors?.map((e) => [e.message, e.extensions.code])).toEqual([
      ['Too many undelivered events; subscribe again.', 'SLOW_CONSUMER'],
    ]);
    await expect(slow.next()).resolves.toEqual({ value: undefined, done: true });
    await expect(slow.next()).resolves.toEqual({ value: undefined, done: true });
    expect((await metrics.activeSubscriptions.get()).values[0]?.value).toBe(0);
  });

  it('an overflowing subscriber does not disturb another on the same subject', async () => {
    const { bus, hub, subscribe } = setup({ queueLimit: 2 });
    const slow = await subscribe();
    const fast = await subscribe();
    const received: string[] = [];
    const reading = (async () => {
      for await (const result of fast) {
        received.push((result.data?.messageCreated as { id: string }).id);
        if (received.length === 5) break;
      }
    })();
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) {
      await bus.publish(messageCreated(id));
      // Let the fast reader hydrate before the next event, so only the slow one falls behind.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await promptly(reading);
    expect(received).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(hub.subjectCount).toBe(0);
    await slow.return!();
  });
});
