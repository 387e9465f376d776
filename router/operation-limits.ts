import { DomainError } from '@gochat/errors';

export interface OperationLimitSettings {
  /** Operations (subscriptions, queries, mutations) in flight on one WebSocket connection. */
  maxOperationsPerConnection: number;
  /** The same, over all of one user's connections to this router. */
  maxOperationsPerUser: number;
  /** Distinct selections one user may have on one subscription target (a channel, a feed). */
  maxSelectionsPerTarget: number;
}

/** Something that knows how many operations one connection has in flight (graphql-ws's context). */
export interface OperationCounter {
  subscriptions: Record<string, unknown>;
}

const limitReached = (message: string) => new DomainError('LIMIT_REACHED', message);

/**
 * Caps the work one user can put on a router (issue 11, item 3): operations per connection and per
 * user, and distinct selections per subscription target. Each distinct selection costs a payload
 * build (feeds) or a gateway hydration (messageCreated) per event, so without this one user with 800
 * differently-shaped subscriptions made every message cost 800 hydrations and stalled the router for
 * everyone. Refusals are typed (LIMIT_REACHED) and end that operation only.
 */
export class OperationLimits {
  private readonly connections = new Map<string, Set<OperationCounter>>();
  private readonly selections = new Map<string, Map<string, number>>();

  constructor(private readonly settings: OperationLimitSettings) {}

  /** Tracks a connection of the user until its close. */
  connect(userId: string, connection: OperationCounter): () => void {
    let set = this.connections.get(userId);
    if (!set) this.connections.set(userId, (set = new Set()));
    set.add(connection);
    return () => {
      set.delete(connection);
      if (set.size === 0 && this.connections.get(userId) === set) this.connections.delete(userId);
    };
  }

  /** Checked as an operation starts; graphql-ws already counts it among the connection's operations. */
  admit(userId: string, connection: OperationCounter): DomainError | undefined {
    const { maxOperationsPerConnection, maxOperationsPerUser } = this.settings;
    if (Object.keys(connection.subscriptions).length > maxOperationsPerConnection)
      return limitReached(
        `At most ${maxOperationsPerConnection} operations at once on one connection: complete some first.`,
      );
    let total = 0;
    for (const other of this.connections.get(userId) ?? []) total += Object.keys(other.subscriptions).length;
    if (total > maxOperationsPerUser)
      return limitReached(
        `At most ${maxOperationsPerUser} operations at once per user: complete some first.`,
      );
    return undefined;
  }

  /**
   * Takes a place for a selection on a target, shared with the user's subscriptions of the same
   * selection there. Returns the release (call once when the subscription ends), or the refusal.
   */
  holdSelection(userId: string, target: string, selection: string): (() => void) | DomainError {
    const key = `${userId}\0${target}`;
    let held = this.selections.get(key);
    if (!held) this.selections.set(key, (held = new Map<string, number>()));
    const count = held.get(selection);
    if (count === undefined && held.size >= this.settings.maxSelectionsPerTarget) {
      if (held.size === 0) this.selections.delete(key);
      return limitReached(
        `At most ${this.settings.maxSelectionsPerTarget} differently-shaped subscriptions to the same target per user: reuse one document.`,
      );
    }
    held.set(selection, (count ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (held.get(selection) ?? 1) - 1;
      if (left > 0) held.set(selection, left);
      else held.delete(selection);
      if (held.size === 0 && this.selections.get(key) === held) this.selections.delete(key);
    };
  }
}
