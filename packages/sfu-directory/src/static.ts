import { chooseNode, regionsOf } from './choose.ts';
import { NoSfuNodeError, type NodeDirectory, type SfuNode } from './types.ts';

export interface StaticNode {
  id: string;
  region: string;
  url: string;
}

/**
 * The embedded directory: nodes listed in config, rooms bound in this process's memory (an embedded
 * deployment is one process). With no reports from the nodes, a node's load is the number of rooms
 * bound to it.
 */
export function createStaticNodeDirectory(options: {
  nodes: readonly StaticNode[];
  defaultRegion: string;
}): NodeDirectory {
  const bindings = new Map<string, string>();
  const byId = new Map(options.nodes.map((n) => [n.id, n]));
  const nodes = (): SfuNode[] => {
    const rooms = new Map<string, number>();
    for (const nodeId of bindings.values()) rooms.set(nodeId, (rooms.get(nodeId) ?? 0) + 1);
    return options.nodes.map((n) => ({ ...n, load: rooms.get(n.id) ?? 0, version: 'static' }));
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
    // A static list never changes while the process runs.
    onChange: () => () => undefined,
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
