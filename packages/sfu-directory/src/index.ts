export { chooseNode, regionsOf } from './choose.ts';
export { createStaticNodeDirectory, type StaticNode } from './static.ts';
export {
  NoSfuNodeError,
  type NodeDirectory,
  type NodeEvent,
  type NodeRegistration,
  type SfuNode,
} from './types.ts';
export type { EtcdConnection } from './etcd-client.ts';
