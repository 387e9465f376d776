import os from 'node:os';

import type { EventBus } from '@gochat/bus';
import { RoleUnavailableError, schedulePeriodic, type Lifecycle, type Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { NodeDirectory } from '@gochat/sfu-directory';
import { createReplayGuard, createVoiceTokenVerifier, deriveVoiceKeyPair } from '@gochat/voice-token';

import { SFU_PATH, signallingUrl, type SfuRoleConfig } from './config.ts';
import { createMediasoupRooms, type MediasoupRooms } from './media/mediasoup-rooms.ts';
import { loadMediasoup } from './media/mediasoup-api.ts';
import type { MediaEvents } from './signalling/media.ts';
import { linkNodeToBus } from './node-link.ts';
import { createSignallingServer, type SignallingServer } from './signalling/server.ts';

export interface SfuDeps {
  config: SfuRoleConfig;
  bus: EventBus;
  directory: NodeDirectory;
  log: Logger;
  lifecycle: Lifecycle;
}

/** The version an SFU node announces. */
const VERSION = 'gochat-sfu/1';

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
  const late: { signalling?: SignallingServer } = {};
  const link = linkNodeToBus({ bus: deps.bus, nodeId, signalling: () => late.signalling, log });
  const events: MediaEvents = {
    consumerClosed: (...args) => late.signalling?.mediaEvents.consumerClosed(...args),
    activeSpeaker: (...args) => late.signalling?.mediaEvents.activeSpeaker(...args),
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

  const server = createSignallingServer({
    verifier: createVoiceTokenVerifier({
      publicJwks: verifyKeys,
      issuer: config.publicUrl,
      nodeId,
      replayGuard: createReplayGuard(),
    }),
    rooms: engine,
    log,
    onPeer: (peer) => link.report(peer),
  });
  late.signalling = server;

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
    await link.close();
    await server.close();
    engine.close();
  });

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
