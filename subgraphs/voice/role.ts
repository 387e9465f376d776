import fs from 'node:fs';

import type { EventBus } from '@gochat/bus';
import { createAccessStore } from '@gochat/channel-access';
import { userExists, type Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { createIdentityVerifier } from '@gochat/identity';
import type { Lifecycle, Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { OutboxRelay } from '@gochat/outbox';
import type { NodeDirectory } from '@gochat/sfu-directory';
import { createSubgraph } from '@gochat/subgraph-kit';

import type { VoiceRoleConfig } from './config.ts';
import type { VoiceContext } from './resolvers/context.ts';
import { resolvers } from './resolvers/index.ts';
import { voiceTokenSigner } from './tokens.ts';
import { startVoiceUpkeep, type VoiceUpkeep } from './upkeep.ts';

export interface VoiceDeps {
  config: VoiceRoleConfig;
  db: Database;
  bus: EventBus;
  outbox: OutboxRelay;
  directory: NodeDirectory;
  ids: SnowflakeGenerator;
  log: Logger;
  lifecycle: Lifecycle;
  /** How often stale states are swept (tests sweep by hand). */
  sweepEveryMs?: number;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/**
 * Voice: who may join which call and on which SFU node (a voice token admits them there), voice
 * states and their events, moderation, and the upkeep that keeps states exact when nodes die.
 */
export async function createVoiceRole(deps: VoiceDeps): Promise<Role & { upkeep: VoiceUpkeep }> {
  const settings = deps.config.voice;
  const kick = () => deps.outbox.kick();
  const tokens = voiceTokenSigner(settings, deps.config.secrets.internal, deps.config.publicUrl);
  const upkeep = await startVoiceUpkeep({
    db: deps.db,
    bus: deps.bus,
    directory: deps.directory,
    settings,
    log: deps.log,
    kick,
    sweepEveryMs: deps.sweepEveryMs,
  });
  deps.lifecycle.defer('voice upkeep', () => upkeep.stop());
  const access = createAccessStore(deps.db);
  const subgraph = createSubgraph<VoiceContext>({
    name: 'voice',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(deps.config.secrets.internal),
    log: deps.log,
    accountExists: (userId) => userExists(deps.db, userId),
    context: (base) => ({
      ...base,
      db: deps.db,
      access,
      ids: deps.ids,
      directory: deps.directory,
      tokens,
      settings,
      kick,
    }),
  });
  return { name: 'subgraph:voice', fetch: async (request) => subgraph.fetch(request), upkeep };
}
