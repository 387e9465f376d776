import fs from 'node:fs';

import type { BlobStore } from '@gochat/blob-store';
import { createAccessStore } from '@gochat/channel-access';
import { userExists, type Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { createIdentityVerifier } from '@gochat/identity';
import { schedulePeriodic, type Lifecycle, type Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { OutboxRelay } from '@gochat/outbox';
import { createSubgraph } from '@gochat/subgraph-kit';
import { profileImagesOf, uploadsByTarget, type ProfileSlot, type UploadRow } from '@gochat/uploads';
import DataLoader from 'dataloader';

import type { MediaConfig } from './config.ts';
import { createProcessor } from './processing/processor.ts';
import type { MediaContext } from './resolvers/context.ts';
import { resolvers } from './resolvers/index.ts';

export interface MediaDeps {
  config: MediaConfig;
  db: Database;
  blob: BlobStore;
  ids: SnowflakeGenerator;
  outbox: OutboxRelay;
  log: Logger;
  /** When given, background processing drains with it and stale uploads are taken over periodically. */
  lifecycle?: Lifecycle;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Media: uploads (create, verify, process), avatars, guild icons and banners, emoji images. */
export function createMediaRole(deps: MediaDeps) {
  const settings = deps.config.media;
  const kick = () => deps.outbox.kick();
  const processor = createProcessor({
    db: deps.db,
    blob: deps.blob,
    log: deps.log,
    kick,
    settings: { ...settings, maxPixels: settings.limits.maxPixels },
  });
  if (deps.lifecycle) {
    const takeOver = schedulePeriodic({
      name: 'stale upload processing',
      run: () => processor.resumeStale(),
      log: deps.log,
      intervalMs: 60_000,
    });
    deps.lifecycle.defer('media processing', async () => {
      takeOver.stop();
      await processor.idle();
    });
  }
  const access = createAccessStore(deps.db);
  const slotLoader = (slot: ProfileSlot) =>
    new DataLoader(async (ids: readonly string[]) => {
      const rows = new Map((await profileImagesOf(deps.db, ids, slot)).map((r) => [r.subjectId, r.upload]));
      return ids.map((subjectId) => rows.get(subjectId));
    });

  const subgraph = createSubgraph<MediaContext>({
    name: 'media',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(deps.config.secrets.internal),
    log: deps.log,
    accountExists: (userId) => userExists(deps.db, userId),
    context: (base) => ({
      ...base,
      db: deps.db,
      blob: deps.blob,
      ids: deps.ids,
      access,
      processor,
      settings,
      kick,
      loaders: {
        avatar: slotLoader('avatar'),
        guildIcon: slotLoader('guild_icon'),
        guildBanner: slotLoader('guild_banner'),
        emoji: new DataLoader(async (ids: readonly string[]) => {
          const rows = new Map<string, UploadRow>(
            (await uploadsByTarget(deps.db, 'emoji', ids)).map((r) => [r.targetId ?? '', r]),
          );
          return ids.map((emojiId) => rows.get(emojiId));
        }),
      },
    }),
  });
  const role: Role = { name: 'subgraph:media', fetch: async (request) => subgraph.fetch(request) };
  return Object.assign(role, { processor });
}
