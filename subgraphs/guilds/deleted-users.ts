import type { DurableConsumer, EventBus } from '@gochat/bus';
import type { Database } from '@gochat/db';
import { asCatalogEvent } from '@gochat/events';
import type { Logger } from '@gochat/log';

import { removeDeletedUserMemberships } from './store/deleted-users.ts';

/** The durable every guilds process shares (they split the work). */
export const DELETED_USERS_CONSUMER = 'guilds-deleted-users';

export interface DeletedUsersDeps {
  db: Database;
  bus: EventBus;
  log: Logger;
  /** Publishes committed outbox events soon. */
  kick(): void;
}

export interface DeletedUsersReaction {
  /** Stops fetching, finishes the event in hand, and closes the consumer. */
  stop(): Promise<void>;
}

/**
 * The guilds side of account deletion (decision 0050): on UserDeleted, which the accounts subgraph
 * records with the deletion, the account leaves every guild. Membership rows are this subgraph's,
 * so the accounts subgraph announces and this one acts, as voice follows GuildMemberRemoved
 * (subgraphs/voice/upkeep.ts). At-least-once and idempotent; a failure is retried, then dead-lettered.
 */
export function startDeletedUsersReaction(deps: DeletedUsersDeps): DeletedUsersReaction {
  const { log } = deps;
  let stopped = false;
  const opening = deps.bus.durable({
    name: DELETED_USERS_CONSUMER,
    // UserDeleted's subject: every user.* event comes through, and all but UserDeleted are acked unread.
    patterns: ['user.*'],
    deadLetterSubject: 'deadletter.guilds',
    // A deletion recorded before this durable first existed still counts; replays are no-ops.
    startAt: 'all',
  });
  const loop = opening.then(
    (consumer) => consume(deps, consumer, () => stopped),
    (error: unknown) => log.error({ err: error }, 'guilds: could not open the deleted-users consumer'),
  );
  return {
    async stop() {
      stopped = true;
      // Closing ends a waiting fetch at once (it resolves empty).
      await (await opening.catch(() => undefined))?.close();
      await loop;
    },
  };
}

async function consume(deps: DeletedUsersDeps, consumer: DurableConsumer, stopped: () => boolean) {
  try {
    while (!stopped()) {
      const batch = await consumer.fetch(50, 1_000);
      for (const message of batch) {
        try {
          const event = asCatalogEvent(message.event);
          if (event?.type === 'UserDeleted') await leaveEveryGuild(deps, event.data.userId);
          await message.ack();
        } catch (error) {
          deps.log.warn({ err: error }, 'guilds: removing a deleted account failed; retrying');
          await message.fail(error, 1_000);
        }
      }
    }
  } finally {
    await consumer.close();
  }
}

async function leaveEveryGuild(deps: DeletedUsersDeps, userId: string) {
  const { left, owned } = await removeDeletedUserMemberships(deps.db, userId);
  if (left.length > 0) deps.kick();
  deps.log.info({ userId, guilds: left.length }, 'guilds: deleted account left its guilds');
  if (owned.length > 0)
    deps.log.warn({ userId, guildIds: owned }, 'guilds: a deleted account still owns guilds');
}
