import { randomUUID } from 'node:crypto';
import os from 'node:os';

import type { BusEvent, EventBus } from '@gochat/bus';
import { asCatalogEvent, newEvent, subjects, type NewEvent } from '@gochat/events';
import { RoleUnavailableError, schedulePeriodic, type Lifecycle, type Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { NodeDirectory } from '@gochat/sfu-directory';
import { createReplayGuard, createVoiceTokenVerifier, deriveVoiceKeyPair } from '@gochat/voice-token';

import { applyCommand } from './commands.ts';
import { SFU_PATH, signallingUrl, type SfuRoleConfig } from './config.ts';
import { createMediasoupRooms, type MediasoupRooms } from './media/mediasoup-rooms.ts';
import { loadMediasoup } from './media/mediasoup-api.ts';
import type { MediaEvents } from './signalling/media.ts';
import { createSignallingServer, type PeerReport, type SignallingServer } from './signalling/server.ts';

export interface SfuDeps {
  config: SfuRoleConfig;
  bus: EventBus;
  directory: NodeDirectory;
  log: Logger;
  lifecycle: Lifecycle;
}

/** The version an SFU node announces. */
const VERSION = 'gochat-sfu/1';

/** A stored envelope for an event the node publishes itself (it has no outbox: nothing to commit). */
const envelope = (event: NewEvent): BusEvent => ({
  id: randomUUID(),
  occurredAt: new Date().toISOString(),
  ...event,
});

/**
 * An SFU node: mediasoup behind the signalling endpoint, announced in the node directory (etcd, or
 * the embedded process's own list), reporting its peers to the API and carrying out its orders over
 * the bus. Without mediasoup on the machine it refuses to start (RoleUnavailableError).
 */
export async function createSfuRole(deps: SfuDeps): Promise<Role> {
  const { config, log } = deps;
  const mediasoup = await loadMediasoup();
  if (!mediasoup)
    throw new RoleUnavailableError(
      'voice is unavailable: mediasoup is not installed (its worker binary could not be downloaded or built). ' +
        'Install it with `npm install mediasoup@3.19.3`, or point MEDIASOUP_WORKER_BIN at a worker binary before installing.',
    );
  const nodeId = config.sfu.nodeId;
  const region = config.sfu.region ?? config.voice.defaultRegion;
  const verifyKeys = config.voice.verifyKeys ?? [deriveVoiceKeyPair(config.secrets.internal).publicJwk];

  // The engine reports to the signalling endpoint, which needs the engine: joined through this.
  let signalling: SignallingServer | undefined;
  const events: MediaEvents = {
    consumerClosed: (...args) => signalling?.mediaEvents.consumerClosed(...args),
    activeSpeaker: (...args) => signalling?.mediaEvents.activeSpeaker(...args),
  };
  const engine: MediasoupRooms = await createMediasoupRooms({
    mediasoup,
    workers: config.sfu.workers || os.availableParallelism(),
    listenIp: config.sfu.listenIp,
    announcedAddress: config.sfu.announcedAddress,
    port: config.sfu.rtcPort,
    dtlsTimeoutMs: config.sfu.dtlsTimeoutSeconds * 1000,
    maxIncomingBitrate: config.sfu.maxIncomingBitrate,
    events,
    // A dead worker takes its rooms with it: the process stops, its lease goes, the API clears the
    // rooms' voice states and the clients join again elsewhere.
    onWorkerDied: (error) => {
      log.fatal({ err: error }, 'sfu: a mediasoup worker died; shutting down');
      void deps.lifecycle.shutdown('mediasoup worker died').finally(() => process.exit(1));
    },
    log,
  });

  const report = (peer: Omit<PeerReport, 'guildId'>) => {
    const event = newEvent('VoicePeerReported', subjects.voicePeers(nodeId), { nodeId, ...peer });
    deps.bus.publish(envelope(event)).catch((error: unknown) => {
      // The API's sweep drops an unconfirmed join after its grace period, and a lost peer's state
      // when the node goes: a lost report delays, never corrupts.
      log.warn({ err: error, userId: peer.userId }, 'sfu: a peer report was not published');
    });
  };
  const server = createSignallingServer({
    verifier: createVoiceTokenVerifier({
      publicJwks: verifyKeys,
      issuer: config.publicUrl,
      nodeId,
      replayGuard: createReplayGuard(),
    }),
    rooms: engine,
    log,
    onPeer: ({ guildId: _guild, ...peer }) => report(peer),
  });
  signalling = server;

  const orders = deps.bus.subscribe(subjects.voiceNode(nodeId), (raw) => {
    const event = asCatalogEvent(raw);
    if (event?.type !== 'VoiceNodeCommand') return;
    applyCommand(server, event.data, log).catch((error: unknown) =>
      log.error({ err: error, command: event.data.command }, 'sfu: an order failed'),
    );
  });

  const url = signallingUrl(config);
  const registration = await deps.directory.register({ id: nodeId, region, url, version: VERSION });
  let reported = 0;
  const loadReport = schedulePeriodic({
    name: 'sfu load report',
    intervalMs: config.sfu.loadReportSeconds * 1000,
    log,
    run: async () => {
      const load = server.load();
      if (load === reported) return 0;
      reported = load;
      await registration.setLoad(load);
      return 0; // nothing to log each time
    },
  });
  log.info({ nodeId, region, url }, 'sfu: serving');

  deps.lifecycle.defer('sfu', async () => {
    loadReport.stop();
    // Leave the directory first, so no room is placed here while the peers are told to go.
    await registration.close();
    orders.unsubscribe();
    await server.close();
    engine.close();
  });
  deps.lifecycle.addReadinessCheck('sfu node directory', () => deps.directory.ping());

  return {
    name: 'sfu',
    fetch: () => Promise.resolve(Response.json({ error: 'Not found.' }, { status: 404 })),
    onUpgrade(request, socket, head) {
      const path = new URL(request.url ?? '/', 'http://sfu').pathname;
      if (path === SFU_PATH) server.handleUpgrade(request, socket, head);
      else socket.destroy();
    },
  };
}
