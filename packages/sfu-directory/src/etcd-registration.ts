import type { Logger } from '@gochat/log';
import type { Etcd3, Lease } from 'etcd3';

import type { Announcement } from './announcement.ts';
import { nodeKey } from './keys.ts';
import type { NodeRegistration, SfuNode } from './types.ts';

/**
 * An SFU node's entry in etcd: its announcement under a lease kept alive in the background. A lost
 * lease (etcd unreachable past the TTL, or revoked) has already taken the key with it, so the node
 * registers again with a new lease, retrying until it can or is closed.
 */
export async function registerSfuNode(options: {
  etcd: Etcd3;
  prefix: string;
  node: Omit<SfuNode, 'load'>;
  ttlSeconds: number;
  log: Logger;
  /** First pause before registering again after a loss; doubles up to 5 s. */
  retryMs?: number;
}): Promise<NodeRegistration> {
  const { etcd, prefix, node, ttlSeconds, log } = options;
  const key = nodeKey(prefix, node.region, node.id);
  let load = 0;
  let closed = false;
  let lease: Lease;
  let leaseId = '';

  const announce = () => {
    const announcement: Announcement = { ...node, load, lease: leaseId };
    return etcd.put(key).value(JSON.stringify(announcement)).lease(leaseId).exec();
  };

  const register = async () => {
    const next = etcd.lease(ttlSeconds, { autoKeepAlive: true });
    next.on('lost', (error) => {
      if (closed || next !== lease) return;
      log.warn({ err: error, node: node.id }, 'sfu registration: lease lost, registering again');
      void registerUntilDone();
    });
    lease = next;
    leaseId = await next.grant();
    await announce();
  };

  const registerUntilDone = async () => {
    for (let pause = options.retryMs ?? 250; !closed; pause = Math.min(pause * 2, 5_000)) {
      try {
        await register();
        log.info({ node: node.id, lease: leaseId }, 'sfu registration: registered again');
        return;
      } catch (error) {
        log.warn({ err: error, node: node.id }, 'sfu registration: cannot register yet');
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  };

  await register();
  log.info({ node: node.id, region: node.region, lease: leaseId }, 'sfu registration: registered');
  return {
    leaseId: () => leaseId,
    async setLoad(next) {
      load = next;
      await announce();
    },
    async close() {
      closed = true;
      await lease.revoke();
    },
  };
}
