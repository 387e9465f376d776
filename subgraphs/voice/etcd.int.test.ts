import { silentLogger } from '@gochat/log';
import { createEtcdNodeDirectory, openEtcd, registerSfuNode } from '@gochat/sfu-directory/etcd';
import { spawnNodeProcess } from '@gochat/sfu-directory/testing';
import { realServer, uniqueName } from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openVoiceHarness, type VoiceHarness } from './test-harness.ts';

const etcdUrl = await realServer('etcd');

const JOIN = `mutation ($channelId: ID!) { joinVoice(channelId: $channelId) { nodeId } }`;
const STATES = `query ($channelId: ID!) { channelVoiceStates(channelId: $channelId) { user { id } } }`;

/**
 * Voice states on real etcd: an SFU node that dies (SIGKILL: no goodbye) takes its calls' states
 * with it within its lease TTL, announced one by one; its rooms go to a live node on the next join.
 */
describe.skipIf(!etcdUrl)('voice on etcd: a dead node’s calls end', () => {
  const prefix = `/${uniqueName('gochat_t')}`;
  const etcd = etcdUrl ? openEtcd({ hosts: [etcdUrl] }) : undefined;
  let h: VoiceHarness;
  let survivor: Awaited<ReturnType<typeof registerSfuNode>>;

  beforeAll(async () => {
    const directory = await createEtcdNodeDirectory({
      etcd: etcd!,
      prefix,
      defaultRegion: 'eu',
      log: silentLogger,
    });
    h = await openVoiceHarness(null, { directory });
  });
  afterAll(async () => {
    await survivor?.close();
    await h?.close();
    await etcd?.delete().prefix(prefix).exec();
    etcd?.close();
  });

  it('SIGKILLed: its key, its bindings and its calls’ voice states are gone within the TTL, and said so', async () => {
    const doomed = await spawnNodeProcess({
      etcdUrl: etcdUrl!,
      prefix,
      id: 'doomed',
      region: 'eu',
      ttlSeconds: 2,
    });
    survivor = await registerSfuNode({
      etcd: etcd!,
      prefix,
      node: { id: 'survivor', region: 'us', url: 'wss://survivor.example', version: 'test' },
      ttlSeconds: 10,
      log: silentLogger,
    });
    await expect
      .poll(
        () =>
          h.directory
            .nodes()
            .map((n) => n.id)
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual(['doomed', 'survivor']);

    const owner = await h.createUser();
    const guildId = await h.seed.guild(owner);
    const room = await h.seed.channel(guildId, 'voice');
    const people = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const id = await h.createUser();
        await h.seed.member(guildId, id);
        return id;
      }),
    );
    // Ten at once, on real etcd: one node.
    const joined = await Promise.all(
      people.map((p) => h.ok<{ joinVoice: { nodeId: string } }>(p, JOIN, { channelId: room })),
    );
    expect(new Set(joined.map((j) => j.joinVoice.nodeId))).toEqual(new Set(['doomed']));

    const killedAt = Date.now();
    doomed.kill();
    await expect
      .poll(
        () =>
          h.events.events.filter(
            (e) => e.type === 'VoiceStateUpdated' && (e.data as { reason: string }).reason === 'nodeLost',
          ).length,
        {
          timeout: 20_000,
        },
      )
      .toBe(10);
    // Two seconds of TTL, and etcd may keep a lease up to one more TTL before it expires it.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(
      (await h.ok<{ channelVoiceStates: unknown[] }>(owner, STATES, { channelId: room })).channelVoiceStates,
    ).toEqual([]);
    expect(
      (await h.ok<{ joinVoice: { nodeId: string } }>(people[0], JOIN, { channelId: room })).joinVoice.nodeId,
    ).toBe('survivor');
  });
});
