export { chooseNode, regionsOf } from './choose.ts';
export { createEtcdNodeDirectory } from './etcd-directory.ts';
export { registerSfuNode } from './etcd-registration.ts';
export { createStaticNodeDirectory, type StaticNode } from './static.ts';
export {
  NoSfuNodeError,
  type NodeDirectory,
  type NodeEvent,
  type NodeRegistration,
  type SfuNode,
} from './types.ts';
export { openEtcd, type EtcdConnection } from './etcd-client.ts';
