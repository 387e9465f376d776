import type { BusEvent } from '@gochat/bus';
import { parse, type ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Principal } from '../principal.ts';
import type { Runner } from '../live/runner.ts';
import { Hydrator, type HydrationRequest } from './hydrator.ts';

const document = parse('query SubscriptionHydration($id: ID!) { message(id: $id) { id } }');
const principal: Principal = { kind: 'scope', scope: { channelId: '1' } };

function request(eventId: string, shareKey: string): HydrationRequest {
  const event: BusEvent = {
    id: eventId,
    type: 'MessageCreated',
    subject: 'channel.1.messages',
    occurredAt: new Date().toISOString(),
    data: { messageId: eventId },
  };
  return { event, shareKey, document, variables: { id: eventId }, principal, field: 'messageCreated' };
}

/** A runner whose executions finish only when the test says so, to make concurrency explicit. */
function gatedRunner() {
  const gates: Array<() => void> = [];
  const run = vi.fn<Runner>((_document, variables) => {
    const call = gates.length + 1;
    return new Promise<ExecutionResult>((resolve) =>
      gates.push(() => resolve({ data: { message: { id: variables.id, call } } })),
    );
  });
  return { run, openAll: () => gates.forEach((open) => open()) };
}

describe('Hydrator', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs concurrent hydrations of one event and share key once, and all get the same result', async () => {
    const { run, openAll } = gatedRunner();
    const counted: string[] = [];
    const hydrator = new Hydrator(run, 5_000, (field) => counted.push(field));
    const results = Array.from({ length: 10 }, () => hydrator.hydrate(request('e1', 'k1')));
    openAll();
    const settled = await Promise.all(results);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith(document, { id: 'e1' }, principal);
    expect(counted).toEqual(['messageCreated']);
    for (const result of settled) expect(result).toBe(settled[0]);
    expect(settled[0]).toEqual({ data: { message: { id: 'e1', call: 1 } } });
  });

  it('shares a finished hydration with a later request within the TTL', async () => {
    const run = vi.fn<Runner>(() => Promise.resolve({ data: { message: { id: 'e1' } } }));
    const hydrator = new Hydrator(run, 5_000, () => {});
    const first = await hydrator.hydrate(request('e1', 'k1'));
    const second = await hydrator.hydrate(request('e1', 'k1'));
    expect(second).toBe(first);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs again for a different share key or a different event', async () => {
    const { run, openAll } = gatedRunner();
    const counted: string[] = [];
    const hydrator = new Hydrator(run, 5_000, (field) => counted.push(field));
    const pending = [
      hydrator.hydrate(request('e1', 'k1')),
      hydrator.hydrate(request('e1', 'k2')),
      hydrator.hydrate(request('e2', 'k1')),
      hydrator.hydrate(request('e1', 'k1')),
    ];
    openAll();
    const [a, b, c, d] = await Promise.all(pending);
    expect(run).toHaveBeenCalledTimes(3);
    expect(counted).toHaveLength(3);
    expect(a).toEqual({ data: { message: { id: 'e1', call: 1 } } });
    expect(b).toEqual({ data: { message: { id: 'e1', call: 2 } } });
    expect(c).toEqual({ data: { message: { id: 'e2', call: 3 } } });
    expect(d).toBe(a);
  });

  it('turns a rejecting runner into an ExecutionResult with errors, shared like a success', async () => {
    const run = vi.fn<Runner>(() => Promise.reject(new Error('gateway down')));
    const hydrator = new Hydrator(run, 5_000, () => {});
    const [first, second] = await Promise.all([
      hydrator.hydrate(request('e1', 'k1')),
      hydrator.hydrate(request('e1', 'k1')),
    ]);
    expect(first.data).toBeUndefined();
    expect(first.errors?.map((e) => e.message)).toEqual(['gateway down']);
    expect(second).toBe(first);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('forgets a hydration after the TTL', async () => {
    vi.useFakeTimers();
    const run = vi.fn<Runner>(() => Promise.resolve({ data: { message: { id: 'e1' } } }));
    const hydrator = new Hydrator(run, 1_000, () => {});
    await hydrator.hydrate(request('e1', 'k1'));
    vi.advanceTimersByTime(999);
    await hydrator.hydrate(request('e1', 'k1'));
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    await hydrator.hydrate(request('e1', 'k1'));
    expect(run).toHaveBeenCalledTimes(2);
  });
});
