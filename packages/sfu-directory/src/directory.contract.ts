import { afterEach, describe, expect, it } from 'vitest';

import type { StaticNode } from './static.ts';
import { NoSfuNodeError, type NodeDirectory } from './types.ts';

/** A directory that knows exactly `nodes` (the default region is 'us'), and how to dispose of it. */
export type OpenDirectory = (
  nodes: StaticNode[],
) => Promise<{ directory: NodeDirectory; close: () => Promise<void> }>;

const NODES: StaticNode[] = [
  { id: 'eu-1', region: 'eu', url: 'wss://eu-1.voice.example' },
  { id: 'us-1', region: 'us', url: 'wss://us-1.voice.example' },
  { id: 'us-2', region: 'us', url: 'wss://us-2.voice.example' },
];

/** One contract for the static (embedded) and the etcd directory. */
export function describeDirectoryContract(name: string, open: OpenDirectory) {
  describe(`sfu directory contract: ${name}`, () => {
    const opened: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const close of opened.splice(0)) await close();
    });
    const openWith = async (nodes = NODES) => {
      const { directory, close } = await open(nodes);
      opened.push(close);
      return directory;
    };
    const room = () => `room-${Math.random().toString(36).slice(2, 10)}`;

    it('lists the nodes and the regions rooms can go to', async () => {
      const directory = await openWith();
      expect(
        directory
          .nodes()
          .map((n) => n.id)
          .sort(),
      ).toEqual(['eu-1', 'us-1', 'us-2']);
      expect(directory.regions()).toEqual(['eu', 'us']);
    });

    it("places a room in its region, else in the default region's", async () => {
      const directory = await openWith();
      expect((await directory.place(room(), 'eu')).id).toBe('eu-1');
      expect((await directory.place(room(), 'ap')).region).toBe('us');
      expect((await directory.place(room(), null)).region).toBe('us');
      expect((await directory.place(room())).url).toMatch(/^wss:\/\/us-[12]\.voice\.example$/);
    });

    it('falls back to any node when neither region has one', async () => {
      const directory = await openWith([NODES[0]!]);
      expect((await directory.place(room(), 'us')).id).toBe('eu-1');
    });

    it('keeps a room on its node (sticky), whatever region a later call asks for', async () => {
      const directory = await openWith();
      const id = room();
      const first = await directory.place(id, 'eu');
      expect((await directory.place(id, 'us')).id).toBe(first.id);
      expect((await directory.boundNode(id))?.id).toBe(first.id);
    });

    it('lands ten members joining at once on one node', async () => {
      const directory = await openWith();
      const id = room();
      const placed = await Promise.all(Array.from({ length: 10 }, () => directory.place(id, 'us')));
      expect(new Set(placed.map((n) => n.id)).size).toBe(1);
    });

    it('releases a room only while it names the node, and then never binds on a read', async () => {
      const directory = await openWith();
      const id = room();
      const node = await directory.place(id, 'us');
      await directory.release(id, node.id === 'us-1' ? 'us-2' : 'us-1');
      expect((await directory.boundNode(id))?.id).toBe(node.id);
      await directory.release(id, node.id);
      expect(await directory.boundNode(id)).toBeUndefined();
      expect(await directory.boundNode(id)).toBeUndefined();
    });

    it('lists a node that registers through it, and forgets it and its rooms when the registration closes', async () => {
      const directory = await openWith([]);
      const events: string[] = [];
      const unsubscribe = directory.onChange((e) => events.push(`${e.type} ${e.node.id}`));
      const registration = await directory.register({
        id: 'self-1',
        region: 'eu',
        url: 'wss://self-1.voice.example',
        version: 'test',
      });
      await expect.poll(() => directory.nodes().map((n) => n.id)).toEqual(['self-1']);
      const id = room();
      expect((await directory.place(id, 'eu')).id).toBe('self-1');
      await registration.setLoad(7);
      await expect.poll(() => directory.nodes()[0]?.load).toBe(7);
      await registration.close();
      await expect.poll(() => directory.nodes()).toEqual([]);
      expect(await directory.boundNode(id)).toBeUndefined();
      await expect.poll(() => events).toEqual(['up self-1', 'updated self-1', 'down self-1']);
      unsubscribe();
    });

    it('refuses to place a room when no node is alive', async () => {
      const directory = await openWith([]);
      await expect(directory.place(room(), 'us')).rejects.toBeInstanceOf(NoSfuNodeError);
      expect(directory.regions()).toEqual(['us']);
    });
  });
}
