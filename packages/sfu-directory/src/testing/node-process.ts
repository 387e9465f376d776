/**
 * An SFU node's registration alone, in a process of its own, for tests that kill it with SIGKILL:
 * `node --import tsx node-process.ts <etcd url> <prefix> <id> <region> <ttl seconds>`. Prints
 * "registered <lease>" once its key is written, then keeps the lease alive until killed.
 */
import { silentLogger } from '@gochat/log';
import { Etcd3 } from 'etcd3';

import { registerSfuNode } from '../etcd-registration.ts';

const [url, prefix, id, region, ttl] = process.argv.slice(2);
if (!url || !prefix || !id || !region || !ttl) {
  console.error('usage: node-process.ts <etcd url> <prefix> <id> <region> <ttl seconds>');
  process.exit(2);
}
const registration = await registerSfuNode({
  etcd: new Etcd3({ hosts: url }),
  prefix,
  node: { id, region, url: `wss://${id}.example`, version: 'test' },
  ttlSeconds: Number(ttl),
  log: silentLogger,
});
console.log(`registered ${registration.leaseId()}`);
