import { voiceSection } from '@gochat/config';
import { createStaticNodeDirectory, type NodeDirectory } from '@gochat/sfu-directory';
import { createGuildSeed, openSubgraphHarness, type GuildSeed, type SubgraphHarness } from '@gochat/testkit';
import { createVoiceTokenVerifier, deriveVoiceKeyPair, type VerifiedVoiceToken } from '@gochat/voice-token';
import type { EventBus } from '@gochat/bus';

import { createVoiceRole } from './role.ts';
import type { VoiceUpkeep } from './upkeep.ts';

export const ISSUER = 'http://gochat.test';

/** Two regions, one node each; rooms without a region go to eu. */
export const TEST_NODES = [
  { id: 'node-eu', region: 'eu', url: 'ws://127.0.0.1:1/eu' },
  { id: 'node-us', region: 'us', url: 'ws://127.0.0.1:1/us' },
];

/** The voice subgraph in-process on a real database (see openSubgraphHarness). */
export interface VoiceHarness extends SubgraphHarness {
  seed: GuildSeed;
  bus: EventBus;
  directory: NodeDirectory;
  upkeep: VoiceUpkeep;
  /** Verifies a token as the node it names would (no replay guard: tests read tokens twice). */
  verify(token: string, nodeId: string, channelId: string): Promise<VerifiedVoiceToken>;
}

export async function openVoiceHarness(
  postgresAdminUrl?: string | null,
  options: { directory?: NodeDirectory; voice?: Record<string, unknown> } = {},
): Promise<VoiceHarness> {
  const voice = voiceSection.parse({ defaultRegion: 'eu', nodes: TEST_NODES, ...options.voice });
  const directory =
    options.directory ??
    createStaticNodeDirectory({ nodes: voice.nodes, defaultRegion: voice.defaultRegion });
  let built: ReturnType<typeof createVoiceRole> | undefined;
  let bus: EventBus | undefined;
  let secret = '';
  const harness = await openSubgraphHarness(
    {
      subgraph: 'voice',
      worker: 6,
      role: (deps, lifecycle) => {
        bus = deps.bus;
        secret = deps.config.secrets.internal;
        built = createVoiceRole({
          ...deps,
          config: { secrets: deps.config.secrets, publicUrl: ISSUER, voice },
          directory,
          lifecycle,
          sweepEveryMs: 3_600_000,
        });
        return { fetch: async (request) => (await built!).fetch(request) };
      },
    },
    postgresAdminUrl,
  );
  const role = await built!;
  const { publicJwk } = deriveVoiceKeyPair(secret);
  return Object.assign(harness, {
    seed: createGuildSeed(harness.db, harness.ids),
    bus: bus!,
    directory,
    upkeep: role.upkeep,
    verify: (token: string, nodeId: string, channelId: string) =>
      createVoiceTokenVerifier({ publicJwks: [publicJwk], issuer: ISSUER, nodeId }).verify(token, {
        channelId,
      }),
  });
}
