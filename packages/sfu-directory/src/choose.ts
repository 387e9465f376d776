import type { SfuNode } from './types.ts';

/**
 * The node a new room goes to: the least loaded in the wanted region, else in the default region,
 * else anywhere (a room is better served far away than not at all). Ties go to the smaller id, so
 * every API process choosing from the same view agrees.
 */
export function chooseNode(
  nodes: readonly SfuNode[],
  region: string | null | undefined,
  defaultRegion: string,
): SfuNode | undefined {
  for (const wanted of [region || defaultRegion, defaultRegion]) {
    const best = leastLoaded(nodes.filter((n) => n.region === wanted));
    if (best) return best;
  }
  return leastLoaded(nodes);
}

function leastLoaded(nodes: readonly SfuNode[]): SfuNode | undefined {
  let best: SfuNode | undefined;
  for (const node of nodes)
    if (!best || node.load < best.load || (node.load === best.load && node.id < best.id)) best = node;
  return best;
}

/** Live regions plus the default, sorted. */
export function regionsOf(nodes: readonly SfuNode[], defaultRegion: string): string[] {
  return [...new Set([defaultRegion, ...nodes.map((n) => n.region)])].sort();
}
