/**
 * The etcd key layout, under one prefix so several deployments can share a cluster:
 * - `<prefix>/sfu/<region>/<nodeId>`: a node's announcement (JSON), on the node's lease;
 * - `<prefix>/rooms/<roomId>`: the node a room is bound to, on that node's lease, so a dead node's
 *   bindings vanish with it.
 */
export const nodesPrefix = (prefix: string) => `${prefix}/sfu/`;
export const nodeKey = (prefix: string, region: string, nodeId: string) =>
  `${prefix}/sfu/${region}/${nodeId}`;
export const roomKey = (prefix: string, roomId: string) => `${prefix}/rooms/${roomId}`;

/** Ids and regions become key segments: no slashes, nothing unprintable, bounded. */
export const KEY_SEGMENT = /^[A-Za-z0-9._-]{1,64}$/;
