// The etcd directory and registration, apart from the index: etcd3 brings gRPC and protobuf, which a
// process without etcd (the embedded one) should not load.
export { openEtcd, type EtcdConnection } from './etcd-client.ts';
export { createEtcdNodeDirectory } from './etcd-directory.ts';
export { registerSfuNode } from './etcd-registration.ts';
