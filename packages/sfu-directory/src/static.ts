import { chooseNode, regionsOf } from './choose.ts';
import { NoSfuNodeError, type NodeDirectory, type NodeEvent, type SfuNode } from './types.ts';

export interface StaticNode {
  id: string;
  region: string;
  url: string;
}

/**
 * The embedded directory: nodes listed in config and those registered in this process, rooms bound
 * in this process's memory (an embedded deployment is one process). With no reports from the nodes, a node's load is the number of rooms
 * bound to it.
 */
export function createStaticNodeDirectory(options: {
  nodes: readonly StaticNode[];
  defaultRegion: string;
}): NodeDirectory {
  const bindings = new Map<string, string>();
  /** The configured nodes, then those registered in this process (the embedded SFU), with their loads. */
  const byId = new Map<string, Omit<SfuNode, 'load'> & { load?: number }>(
    options.nodes.map((n) => [n.id, { ...n, version: 'static' }]),
  );
  const listeners = new Set<(event: NodeEvent) => void>();
  const emit = (event: NodeEvent) => {
    for (const listener of listeners) listener(event);
  };
  const nodes = (): SfuNode[] => {
    const rooms = new Map<string, number>();
    for (const nodeId of bindings.values()) rooms.set(nodeId, (rooms.get(nodeId) ?? 0) + 1);
    return [...byId.values()].map((n) => ({ ...n, load: n.load ?? rooms.get(n.id) ?? 0 }));
  };
  const live = (nodeId: string | undefined) => nodes().find((n) => n.id === nodeId);
  return {
    kind: 'static',
    nodes,
    regions: () => regionsOf(nodes(), options.defaultRegion),
    place(roomId, region) {
      const bound = live(bindings.get(roomId));
      if (bound) return Promise.resolve(bound);
      const chosen = chooseNode(nodes(), region, options.defaultRegion);
      if (!chosen) return Promise.reject(new NoSfuNodeError());
      bindings.set(roomId, chosen.id);
      return Promise.resolve(chosen);
    },
    boundNode: (roomId) => Promise.resolve(live(bindings.get(roomId))),
    release(roomId, nodeId) {
      if (bindings.get(roomId) === nodeId && byId.has(nodeId)) bindings.delete(roomId);
      return Promise.resolve();
    },
    register(node) {
      const entry = { ...node };
      byId.set(node.id, entry);
      emit({ type: 'up', node: { ...entry, load: 0 } });
      return Promise.resolve({
        leaseId: () => 'static',
        setLoad(load: number) {
          (entry as { load?: number }).load = load;
          if (byId.get(node.id) === entry) emit({ type: 'updated', node: { ...entry, load } });
          return Promise.resolve();
        },
        close() {
          if (byId.get(node.id) === entry) {
            byId.delete(node.id);
            for (const [roomId, nodeId] of bindings) if (nodeId === node.id) bindings.delete(roomId);
            emit({ type: 'down', node: { ...entry, load: 0 } });
          }
          return Promise.resolve();
        },
      });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
