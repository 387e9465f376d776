import type { Logger } from '@gochat/log';

import type { Lifecycle } from './lifecycle.ts';

/** What starting a part gives: its value, and how the host checks and stops it. */
export interface StartedPart<T> {
  value: T;
  /** Which implementation runs (nats or memory, say): logged as "<label>: connected". */
  kind?: string;
  /** Registered as a readiness check under the part's label: /ready fails while it throws. */
  ready?: () => Promise<void>;
  /** Registered as a teardown step under the part's label: parts stop in reverse start order. */
  stop?: () => Promise<void> | void;
}

/**
 * One piece of infrastructure a process may run (a database, a bus, …). It starts after the parts it
 * `requires` (started for it whether or not anything else asked for them) and after the parts it
 * `follows` when those run anyway (an ordering without a dependency). Grafana Loki's module manager
 * (dskit `modules`) is the model.
 */
export interface PartSpec<Values, K extends keyof Values, C> {
  /** The part's name in logs, readiness checks and teardown steps. */
  label: string;
  requires?: readonly (keyof Values)[];
  follows?: readonly (keyof Values)[];
  /** `started` holds every part started before this one (its requirements among them). */
  start(context: C, started: Readonly<Partial<Values>>): Promise<StartedPart<Values[K]>>;
}

export type PartSpecs<Values, C> = { readonly [K in keyof Values]: PartSpec<Values, K, C> };

/**
 * The parts to start for `wanted`: each once, what it requires first, otherwise in the order the
 * specs declare them. Throws on an unknown part or a cycle (a wiring bug, found by the first start).
 */
export function partOrder<Values, C>(
  specs: PartSpecs<Values, C>,
  wanted: Iterable<keyof Values>,
): (keyof Values)[] {
  const included = new Set<keyof Values>();
  const include = (name: keyof Values) => {
    if (included.has(name)) return;
    if (!Object.hasOwn(specs, name)) throw new Error(`unknown infrastructure part ${String(name)}`);
    included.add(name);
    for (const required of specs[name].requires ?? []) include(required);
  };
  for (const name of wanted) include(name);

  const order: (keyof Values)[] = [];
  const visiting = new Set<keyof Values>();
  const visit = (name: keyof Values) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`infrastructure parts depend on each other: ${String(name)}`);
    visiting.add(name);
    const spec = specs[name];
    for (const before of [...(spec.requires ?? []), ...(spec.follows ?? [])])
      if (included.has(before)) visit(before);
    visiting.delete(name);
    order.push(name);
  };
  for (const name of Object.keys(specs) as (keyof Values)[]) if (included.has(name)) visit(name);
  return order;
}

/**
 * Starts the parts `wanted` needs in dependency order, registering each one's readiness check and
 * teardown as it starts, so the lifecycle stops them in reverse order (also after a failed start).
 */
export async function startParts<Values, C>(
  specs: PartSpecs<Values, C>,
  wanted: Iterable<keyof Values>,
  context: C,
  host: { lifecycle: Lifecycle; log: Logger },
): Promise<Partial<Values>> {
  const started: Partial<Values> = {};
  const startOne = async <K extends keyof Values>(name: K) => {
    const spec: PartSpec<Values, K, C> = specs[name];
    const part = await spec.start(context, started);
    if (part.kind !== undefined) host.log.info({ kind: part.kind }, `${spec.label}: connected`);
    if (part.stop) host.lifecycle.defer(spec.label, part.stop);
    if (part.ready) host.lifecycle.addReadinessCheck(spec.label, part.ready);
    started[name] = part.value;
  };
  for (const name of partOrder(specs, wanted)) await startOne(name);
  return started;
}

/** A part started earlier; its absence is a wiring bug (a missing `requires`). */
export function startedPart<Values, K extends keyof Values>(
  started: Readonly<Partial<Values>>,
  name: K,
): NonNullable<Values[K]> {
  const value = started[name];
  if (value === undefined || value === null)
    throw new Error(`infrastructure part ${String(name)} was not started`);
  return value;
}
