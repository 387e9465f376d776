import { silentLogger } from '@gochat/log';
import { realServer, uniqueName } from '@gochat/testkit';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

import { describeDirectoryContract } from './directory.contract.ts';
import { createEtcdNodeDirectory } from './etcd-directory.ts';
import { registerSfuNode } from './etcd-registration.ts';
import { spawnNodeProcess } from './testing/spawn-node.ts';
import type { StaticNode } from './static.ts';
import type { NodeEvent, NodeRegistration } from './types.ts';

const etcdUrl = await realServer('etcd');

describe.runIf(etcdUrl)('etcd', () => {
  /** Every client the tests made; each node has its own, as each SFU process would. */
  const clients: Etcd3[] = [];
  const client = () => {
    const made = new Etcd3({ hosts: etcdUrl! });
    clients.push(made);
    return made;
  };
  const admin = client();
  afterAll(async () => {
    await admin.delete().prefix('gochat_t_').exec();
    for (const made of clients) made.close();
  });

  const register = (prefix: string, node: StaticNode, ttlSeconds = 5, etcd = client()) =>
    registerSfuNode({
      etcd,
      prefix,
      node: { ...node, version: 'test' },
      ttlSeconds,
      log: silentLogger,
      retryMs: 50,
    });

  /** The API side: a directory over the prefix, on a connection of its own. */
  const openDirectory = (prefix: string, log = silentLogger) =>
    createEtcdNodeDirectory({ etcd: client(), prefix, defaultRegion: 'us', log });

  /** The directory's events, to wait on. */
  const record = (directory: { onChange(l: (e: NodeEvent) => void): () => void }) => {
    const events: string[] = [];
    directory.onChange((e) =>
      events.push(`${e.type} ${e.node.id}${e.type === 'updated' ? ` ${e.node.load}` : ''}`),
    );
    return events;
  };

  describeDirectoryContract('etcd', async (nodes) => {
    const prefix = uniqueName('gochat_t');
    const registrations = await Promise.all(nodes.map((node) => register(prefix, node)));
    const directory = await openDirectory(prefix);
    return {
      directory,
      close: async () => {
        await directory.close();
        await Promise.all(registrations.map((r) => r.close()));
      },
    };
  });

  it('sees nodes that register after it started, their load, and prefers the least loaded', async () => {
    const prefix = uniqueName('gochat_t');
    const directory = await openDirectory(prefix);
    const events = record(directory);
    const a = await register(prefix, { id: 'a', region: 'us', url: 'wss://a.example' });
    const b = await register(prefix, { id: 'b', region: 'us', url: 'wss://b.example' });
    await expect.poll(() => directory.nodes().length).toBe(2);
    await a.setLoad(40);
    await expect.poll(() => events).toContain('updated a 40');
    expect((await directory.place('busy-room', 'us')).id).toBe('b');
    await b.setLoad(90);
    await expect.poll(() => events).toContain('updated b 90');
    expect((await directory.place('next-room', 'us')).id).toBe('a');
    await directory.close();
    await Promise.all([a.close(), b.close()]);
  });

  it("forgets a dead node within its lease's TTL, with its rooms, which then move to a live node", async () => {
    const prefix = uniqueName('gochat_t');
    const directory = await openDirectory(prefix);
    const events = record(directory);
    // The doomed node is a process of its own, killed the way a crash kills it: no revoke, no goodbye.
    const doomed = await spawnNodeProcess({
      etcdUrl: etcdUrl!,
      prefix,
      id: 'doomed',
      region: 'us',
      ttlSeconds: 2,
    });
    expect(doomed.leaseId).toMatch(/^\d+$/);
    const survivor = await register(prefix, { id: 'survivor', region: 'eu', url: 'wss://survivor.example' });
    await expect.poll(() => directory.nodes().length).toBe(2);
    expect((await directory.place('room-1', 'us')).id).toBe('doomed');

    const killedAt = Date.now();
    doomed.kill();
    await expect.poll(() => events, { timeout: 15_000 }).toContain('down doomed');
    // Two seconds of TTL, and etcd may keep a lease up to one more TTL before it expires it.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(await directory.boundNode('room-1')).toBeUndefined();
    expect(await admin.get(`${prefix}/rooms/room-1`).string()).toBeNull();
    expect((await directory.place('room-1', 'us')).id).toBe('survivor');
    await directory.close();
    await survivor.close();
  });

  it('a node whose lease was revoked registers again on a new lease, and keeps its load', async () => {
    const prefix = uniqueName('gochat_t');
    const directory = await openDirectory(prefix);
    const events = record(directory);
    const node: NodeRegistration = await register(
      prefix,
      { id: 'n', region: 'us', url: 'wss://n.example' },
      2,
    );
    await node.setLoad(7);
    const first = node.leaseId();
    await admin.leaseClient.leaseRevoke({ ID: first });
    await expect.poll(() => node.leaseId(), { timeout: 15_000 }).not.toBe(first);
    await expect.poll(() => directory.nodes().map((n) => `${n.id} ${n.load}`)).toEqual(['n 7']);
    expect(events).toContain('down n');
    await directory.close();
    await node.close();
  });

  it('closing a registration removes the node at once', async () => {
    const prefix = uniqueName('gochat_t');
    const directory = await openDirectory(prefix);
    const node = await register(prefix, { id: 'x', region: 'us', url: 'wss://x.example' }, 30);
    await expect.poll(() => directory.nodes().length).toBe(1);
    await directory.place('room-x', 'us');
    await node.close();
    await expect.poll(() => directory.nodes().length).toBe(0);
    expect(await admin.get(`${prefix}/rooms/room-x`).string()).toBeNull();
    await directory.close();
  });

  it('two API processes placing one room at once agree on its node', async () => {
    const prefix = uniqueName('gochat_t');
    const nodes = await Promise.all(
      ['p', 'q', 'r'].map((id) => register(prefix, { id, region: 'us', url: `wss://${id}.example` })),
    );
    const directories = await Promise.all([1, 2].map(() => openDirectory(prefix)));
    for (let round = 0; round < 5; round++) {
      const roomId = `contended-${round}`;
      const placed = await Promise.all(
        Array.from({ length: 10 }, (_, i) => directories[i % 2]!.place(roomId, 'us')),
      );
      expect(new Set(placed.map((n) => n.id)).size).toBe(1);
    }
    await Promise.all(directories.map((d) => d.close()));
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('skips a node whose lease is gone before the watch says so', async () => {
    const prefix = uniqueName('gochat_t');
    // An announcement whose lease no longer exists, as a node that died a moment ago leaves in the
    // cache; the least loaded, so placement tries it first.
    const ghost = {
      id: 'ghost',
      region: 'us',
      url: 'wss://ghost.example',
      load: 0,
      version: 'test',
      lease: '123456789',
    };
    await admin.put(`${prefix}/sfu/us/ghost`).value(JSON.stringify(ghost)).exec();
    const real = await register(prefix, { id: 'real', region: 'us', url: 'wss://real.example' });
    await real.setLoad(5);
    const directory = await openDirectory(prefix);
    expect(
      directory
        .nodes()
        .map((n) => n.id)
        .sort(),
    ).toEqual(['ghost', 'real']);
    expect((await directory.place('room-g', 'us')).id).toBe('real');
    expect(await admin.get(`${prefix}/rooms/room-g`).string()).toBe('real');
    await directory.close();
    await real.close();
  });

  it('ignores a malformed announcement, and says so', async () => {
    const prefix = uniqueName('gochat_t');
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    await admin.put(`${prefix}/sfu/us/bad`).value('{"id":"bad","url":"http://x"}').exec();
    await admin.put(`${prefix}/sfu/us/worse`).value('not json').exec();
    const directory = await openDirectory(prefix, log);
    expect(directory.nodes()).toEqual([]);
    expect(warnings.filter((w) => w.includes('malformed node announcement'))).toHaveLength(2);
    await directory.close();
  });
});
