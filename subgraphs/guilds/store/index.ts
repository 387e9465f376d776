import type { Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import type { MessageTimeline } from '@gochat/message-store';

import { accessQueries } from './access.ts';
import { auditStore } from './audit-store.ts';
import { channelsStore } from './channels.ts';
import { directStore } from './direct.ts';
import { emojisStore } from './emojis.ts';
import { guildsStore } from './guilds.ts';
import { invitesStore } from './invites.ts';
import { memberAvatarsStore } from './member-avatars.ts';
import { memberProfilesStore } from './member-profiles.ts';
import { membersStore } from './members.ts';
import { moderationStore } from './moderation.ts';
import { realtimeStore } from './realtime.ts';
import { rolesStore } from './roles.ts';

export * from './rows.ts';

/**
 * All of the guilds subgraph's SQL, one module per area. Every write runs in one transaction with its
 * audit entry (./audit.ts) and its events (appended to the outbox), so nothing is half-done. The
 * join system messages and ban purges write through @gochat/message-store, committed as every
 * message write is (decisions 0013, 0015, 0033).
 */
export function createGuildsStore(db: Database, ids: SnowflakeGenerator, timeline: MessageTimeline) {
  return {
    ...accessQueries(db),
    ...auditStore(db, ids),
    ...guildsStore(db, ids),
    ...channelsStore(db, ids),
    ...rolesStore(db, ids),
    ...membersStore(db, ids),
    ...memberProfilesStore(db),
    ...memberAvatarsStore(db),
    ...invitesStore(db, ids, timeline),
    ...moderationStore(db, ids, timeline),
    ...emojisStore(db, ids),
    ...directStore(db, ids),
    ...realtimeStore(db),
  };
}

export type GuildsStore = ReturnType<typeof createGuildsStore>;
