import type { Logger } from '@gochat/log';
import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue, type Watcher } from 'etcd3';

import { parseAnnouncement, toNode, type Announcement } from './announcement.ts';
import { chooseNode, regionsOf } from './choose.ts';
import { registerSfuNode } from './etcd-registration.ts';
import { nodesPrefix, roomKey } from './keys.ts';
import { NoSfuNodeError, type NodeDirectory, type NodeEvent, type SfuNode } from './types.ts';

/** Attempts at binding a room before giving up: each lost race re-reads what won it. */
const PLACE_ATTEMPTS = 5;

/**
 * The API's view of the SFU nodes: a snapshot of `<prefix>/sfu/`, kept current by a watch that
 * starts at the snapshot's revision (no gap between the two). Rooms are bound with etcd
 * transactions, so API processes placing one room at once agree on its node.
 */
export async function createEtcdNodeDirectory(options: {
  etcd: Etcd3;
  prefix: string;
  defaultRegion: string;
  log: Logger;
  /** The lease TTL of nodes that register through this directory (default 10 s). */
  leaseTtlSeconds?: number;
}): Promise<NodeDirectory> {
  const { etcd, prefix, defaultRegion, log } = options;
  /** By node id. */
  const announcements = new Map<string, Announcement>();
  /** Node id by key, to tell which node a delete removed. */
  const idByKey = new Map<string, string>();
  const listeners = new Set<(event: NodeEvent) => void>();
  const emit = (event: NodeEvent) => {
    for (const listener of listeners) listener(event);
  };

  const upsert = (kv: IKeyValue, quiet = false) => {
    const key = kv.key.toString();
    const announcement = parseAnnouncement(kv.value);
    if (!announcement || !key.endsWith(`/${announcement.region}/${announcement.id}`)) {
      log.warn({ key }, 'sfu directory: ignoring a malformed node announcement');
      return;
    }
    const known = announcements.get(announcement.id);
    announcements.set(announcement.id, announcement);
    idByKey.set(key, announcement.id);
    // A re-read finds most announcements unchanged: only news is announced.
    if (quiet || (known && JSON.stringify(known) === JSON.stringify(announcement))) return;
    emit({ type: known ? 'updated' : 'up', node: toNode(announcement) });
  };
  const remove = (kv: IKeyValue) => {
    const key = kv.key.toString();
    const id = idByKey.get(key);
    if (id === undefined) return;
    idByKey.delete(key);
    const announcement = announcements.get(id);
    announcements.delete(id);
    if (announcement) emit({ type: 'down', node: toNode(announcement) });
  };

  /** Reads every announcement; returns the revision the read saw. */
  const readAll = async (quiet: boolean) => {
    const snapshot = await etcd.getAll().prefix(nodesPrefix(prefix)).exec();
    for (const kv of snapshot.kvs) upsert(kv, quiet);
    return BigInt(snapshot.header.revision);
  };

  const revision = await readAll(true);
  const watcher: Watcher = await etcd
    .watch()
    .prefix(nodesPrefix(prefix))
    .startRevision(String(revision + 1n))
    .create();
  watcher.on('put', (kv) => upsert(kv));
  watcher.on('delete', (kv) => remove(kv));
  // The client reconnects the watch itself, resuming from the last revision it saw.
  watcher.on('disconnected', (error) => log.warn({ err: error }, 'sfu directory: watch disconnected'));
  watcher.on('error', (error) => log.error({ err: error }, 'sfu directory: watch failed'));

  const liveNodes = (except?: ReadonlySet<string>) =>
    [...announcements.values()].filter((a) => !except?.has(a.id)).map(toNode);
  const live = (nodeId: string | null | undefined): SfuNode | undefined => {
    const announcement = nodeId ? announcements.get(nodeId) : undefined;
    return announcement && toNode(announcement);
  };

  /** The binding's node, reading the announcements again when it names one the watch has not shown yet. */
  const resolveBinding = async (nodeId: string | null): Promise<SfuNode | undefined> => {
    if (nodeId === null) return undefined;
    const known = live(nodeId);
    if (known) return known;
    await readAll(false);
    return live(nodeId);
  };

  return {
    kind: 'etcd',
    nodes: () => liveNodes(),
    regions: () => regionsOf(liveNodes(), defaultRegion),

    async place(roomId, region) {
      const key = roomKey(prefix, roomId);
      // Nodes whose lease ran out under us in this call: the watch will say so shortly.
      const gone = new Set<string>();
      for (let attempt = 0; attempt < PLACE_ATTEMPTS; attempt++) {
        const current = await etcd.get(key).string();
        const bound = await resolveBinding(current);
        if (bound && !gone.has(bound.id)) return bound;
        const chosen = chooseNode(liveNodes(gone), region, defaultRegion);
        if (!chosen) throw new NoSfuNodeError();
        const lease = announcements.get(chosen.id)!.lease;
        // Bind only if nobody bound it meanwhile (or the binding we found is still the stale one).
        const guard =
          current === null ? etcd.if(key, 'Create', '==', 0) : etcd.if(key, 'Value', '==', current);
        try {
          const result = await guard.then(etcd.put(key).value(chosen.id).lease(lease)).commit();
          if (result.succeeded) return chosen;
        } catch (error) {
          if (!(error instanceof EtcdLeaseInvalidError)) throw error;
          gone.add(chosen.id);
        }
      }
      throw new Error(`sfu directory: could not bind room ${roomId} after ${PLACE_ATTEMPTS} attempts`);
    },

    async boundNode(roomId) {
      return live(await etcd.get(roomKey(prefix, roomId)).string());
    },

    async release(roomId, nodeId) {
      const key = roomKey(prefix, roomId);
      await etcd.if(key, 'Value', '==', nodeId).then(etcd.delete().key(key)).commit();
    },

    register: (node) =>
      registerSfuNode({ etcd, prefix, node, ttlSeconds: options.leaseTtlSeconds ?? 10, log }),

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async ping() {
      await etcd.get(`${prefix}/ping`).string();
    },

    async close() {
      listeners.clear();
      await watcher.cancel();
    },
  };
}
