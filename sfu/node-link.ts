import { randomUUID } from 'node:crypto';

import type { EventBus } from '@gochat/bus';
import { asCatalogEvent, newEvent, subjects } from '@gochat/events';
import type { Logger } from '@gochat/log';

import { applyCommand } from './commands.ts';
import type { PeerReport, SignallingServer } from './signalling/server.ts';

export interface NodeLink {
  /** Publishes what the signalling endpoint reports of a peer (give it as onPeer). */
  report(peer: PeerReport): void;
  /** Reports published and not yet acknowledged by the bus settle; orders stop. */
  close(): Promise<void>;
}

/**
 * An SFU node's conversation with the API over the bus: the API's orders for this node
 * (VoiceNodeCommand on voice.node.<id>, written with the change they apply) are carried out on its
 * rooms, and its peers' comings and goings are reported (VoicePeerReported on voice.peers.<id>).
 * The signalling server is given later than the link is made (it needs `report`).
 */
export function linkNodeToBus(options: {
  bus: EventBus;
  nodeId: string;
  signalling: () => SignallingServer | undefined;
  log: Logger;
}): NodeLink {
  const { bus, nodeId, log } = options;
  const inFlight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const orders = bus.subscribe(subjects.voiceNode(nodeId), (raw) => {
    const event = asCatalogEvent(raw);
    const signalling = options.signalling();
    if (event?.type !== 'VoiceNodeCommand' || !signalling) return;
    track(
      applyCommand(signalling, event.data, log).catch((error: unknown) =>
        log.error({ err: error, command: event.data.command }, 'sfu: an order failed'),
      ),
    );
  });
  return {
    report({ userId, channelId, sessionId, connected }) {
      const event = newEvent('VoicePeerReported', subjects.voicePeers(nodeId), {
        nodeId,
        userId,
        channelId,
        sessionId,
        connected,
      });
      track(
        bus
          .publish({ id: randomUUID(), occurredAt: new Date().toISOString(), ...event })
          .catch((error: unknown) => {
            // The API drops an unconfirmed join after its grace period, and a lost peer's state when
            // the node goes: a lost report delays a state's end, never corrupts it.
            log.warn({ err: error, userId }, 'sfu: a peer report was not published');
          }),
      );
    },
    async close() {
      orders.unsubscribe();
      await Promise.allSettled([...inFlight]);
    },
  };
}
