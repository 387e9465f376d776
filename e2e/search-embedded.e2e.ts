import {
  CreateChannelDocument,
  CreateGuildDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  logMailbox,
  startGochat,
  type GochatProcess,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  badSearchInput,
  directSearchEndToEnd,
  guildSearchEndToEnd,
  type SearchWorld,
} from './search/search-flow.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

/**
 * Search in embedded mode: one process, PGlite full-text search, the indexer worker in-process on the
 * memory bus. Everything goes through the router as a client would.
 */
describe('search, embedded (PostgreSQL full-text on PGlite)', () => {
  let gochat: GochatProcess;
  let world: SearchWorld;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const mailbox = logMailbox(gochat);
    const tag = Date.now().toString(36);
    const [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map((name) =>
        createVerifiedUser(gochat.url, mailbox, { displayName: name, handle: `${name}_${tag}` }),
      ),
    );
    world = {
      url: gochat.url,
      alice: { ...alice!, handle: `alice_${tag}` },
      bob: { ...bob!, handle: `bob_${tag}` },
      carol: { ...carol!, handle: `carol_${tag}` },
    };
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('finds messages across a guild, only where the member may read, with edits, deletes and the syntax', async () => {
    await guildSearchEndToEnd(world);
  });

  it('finds DM messages only for their participants', async () => {
    await directSearchEndToEnd(world);
  });

  it('answers bad input with typed errors or empty results', async () => {
    const { createGuild } = await gqlOk(
      world.url,
      CreateGuildDocument,
      { name: 'Bad input' },
      world.alice.jwt,
    );
    const { createGuild: foreign } = await gqlOk(
      world.url,
      CreateGuildDocument,
      { name: 'Other' },
      world.carol.jwt,
    );
    const { createChannel } = await gqlOk(
      world.url,
      CreateChannelDocument,
      { guildId: foreign.id, name: 'elsewhere' },
      world.carol.jwt,
    );
    await badSearchInput(world, createGuild.id, createChannel.id);
  });
});
