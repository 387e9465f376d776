import { SignalError } from '../protocol/errors.ts';
import { notificationFrame } from '../protocol/frames.ts';
import type { RequestData, SignalRequest } from '../protocol/messages.ts';
import { SIGNAL_CLOSE } from './close-codes.ts';
import type { MediaRoom } from './media.ts';
import type { SignalPeer } from './peer.ts';
import { checkMaySend, checkRoomHasPlace, sendBitrateCap } from './policy.ts';

/**
 * Carries out one request the peer's session has allowed, enforcing the peer's rights before the
 * engine is called. Runs on the peer's lane; after each await it checks the peer was not closed
 * meanwhile, so a closed peer never enters a room or announces anything (what the engine made for
 * it is released right after, with the rest of the peer's media).
 */
export async function perform(peer: SignalPeer, request: SignalRequest): Promise<unknown> {
  switch (request.method) {
    case 'authenticate': {
      const grant = await peer.ctx.options.verifier.verify(request.data.token);
      peer.assertActive();
      peer.authenticated(grant);
      return { peerId: peer.peerId };
    }
    case 'getRouterRtpCapabilities':
      return { rtpCapabilities: (await openRoom(peer)).rtpCapabilities };
    case 'join':
      return join(peer, request.data);
    case 'createTransport':
      return createTransport(peer, request.data);
    case 'connectTransport':
      await joinedRoom(peer).connectTransport(request.data.transportId, request.data.dtlsParameters);
      return {};
    case 'restartIce':
      return { iceParameters: await joinedRoom(peer).restartIce(request.data.transportId) };
    case 'produce':
      return produce(peer, request.data);
    case 'pauseProducer':
    case 'resumeProducer':
      await setProducerPaused(peer, request.data.producerId, request.method === 'pauseProducer');
      return {};
    case 'closeProducer':
      await closeProducer(peer, request.data.producerId);
      return {};
    case 'consume':
      return consume(peer, request.data.producerId);
    case 'resumeConsumer':
      await resumeConsumer(peer, request.data.consumerId);
      return {};
    case 'leave':
      peer.leaveNow();
      return {};
  }
}

async function openRoom(peer: SignalPeer): Promise<MediaRoom> {
  peer.room ??= await peer.ctx.options.rooms.open(peer.grant!.channelId);
  return peer.room;
}

/** The room of a peer past join (the session allows media requests only then). */
function joinedRoom(peer: SignalPeer): MediaRoom {
  return peer.room!;
}

async function join(peer: SignalPeer, data: RequestData<'join'>) {
  const { ctx } = peer;
  const { channelId, userId } = peer.grant!;
  await openRoom(peer);
  peer.assertActive();
  checkRoomHasPlace(peer.rights!, userId, ctx.peers.users(channelId));
  // A user is in a room once: a new session (another tab, a reconnect) replaces the old one.
  const previous = ctx.peers.peerOfUser(channelId, userId);
  if (previous) {
    const replaced = ctx.byId.get(previous.peerId);
    if (replaced)
      void replaced.evict(
        notificationFrame('kicked', { reason: 'replaced' }),
        SIGNAL_CLOSE.kicked,
        'replaced by a newer session',
      );
    else ctx.peers.remove(channelId, previous.peerId);
  }
  peer.deviceCapabilities = data.rtpCapabilities;
  const snapshot = ctx.peers.snapshot(channelId, peer.peerId);
  peer.joined({ peerId: peer.peerId, userId, send: (frame) => peer.send(frame), producers: new Map() });
  return snapshot;
}

async function createTransport(peer: SignalPeer, { direction }: RequestData<'createTransport'>) {
  const cap = direction === 'send' ? currentSendCap(peer) : undefined;
  const transport = await joinedRoom(peer).createTransport(
    peer.peerId,
    direction,
    cap === undefined ? undefined : { maxIncomingBitrate: cap },
  );
  peer.assertActive();
  peer.session.transportCreated(transport.id, direction);
  if (cap !== undefined) peer.sendCap = cap;
  return transport;
}

async function produce(peer: SignalPeer, data: RequestData<'produce'>) {
  const { kind, source } = data;
  checkMaySend(source, peer.rights!);
  const paused = data.paused ?? false;
  const producerId = await joinedRoom(peer).produce({ peerId: peer.peerId, ...data, paused });
  peer.assertActive();
  peer.session.producerCreated(producerId, source);
  peer.entry!.producers.set(producerId, { kind, source, paused });
  peer.ctx.peers.broadcast(
    peer.grant!.channelId,
    'newProducer',
    { producerId, peerId: peer.peerId, kind, source },
    peer.peerId,
  );
  await updateSendCap(peer);
  return { producerId };
}

async function setProducerPaused(peer: SignalPeer, producerId: string, paused: boolean) {
  const producer = peer.entry!.producers.get(producerId);
  if (!producer) throw new SignalError('NOT_FOUND', 'no such producer');
  // Resuming needs what producing needed: a producer paused by a server mute stays paused.
  if (!paused) checkMaySend(producer.source, peer.rights!);
  await joinedRoom(peer).setProducerPaused(producerId, paused);
  peer.assertActive();
  if (producer.paused === paused) return;
  producer.paused = paused;
  peer.ctx.peers.broadcast(
    peer.grant!.channelId,
    paused ? 'producerPaused' : 'producerResumed',
    { producerId },
    peer.peerId,
  );
}

async function closeProducer(peer: SignalPeer, producerId: string) {
  joinedRoom(peer).closeProducer(producerId);
  peer.session.producerClosed(producerId);
  peer.entry!.producers.delete(producerId);
  peer.ctx.peers.broadcast(peer.grant!.channelId, 'producerClosed', { producerId }, peer.peerId);
  await updateSendCap(peer);
}

async function consume(peer: SignalPeer, producerId: string) {
  if (!peer.ctx.peers.hasProducer(peer.grant!.channelId, producerId))
    throw new SignalError('NOT_FOUND', 'no such producer in this room');
  const consumer = await joinedRoom(peer).consume({
    peerId: peer.peerId,
    transportId: peer.session.transportOf('recv')!,
    producerId,
    rtpCapabilities: peer.deviceCapabilities,
  });
  if (!consumer) throw new SignalError('BAD_REQUEST', 'this device cannot receive that producer');
  peer.assertActive();
  // Consumers start paused; a deafened peer's stay so until the deafen is lifted.
  peer.session.consumerCreated(consumer.consumerId);
  peer.consumers.set(consumer.consumerId, { resumed: false });
  return consumer;
}

/**
 * A deafened peer's resume is answered, and remembered, but the consumer stays paused at the SFU
 * until the deafen is lifted; it then resumes exactly the consumers the client had resumed. Refusing
 * instead would leave the client to track which resumes failed and retry them all after the deafen.
 */
async function resumeConsumer(peer: SignalPeer, consumerId: string) {
  const consumer = peer.consumers.get(consumerId);
  if (!consumer) throw new SignalError('NOT_FOUND', 'no such consumer');
  if (!peer.rights!.serverDeaf) await joinedRoom(peer).setConsumerPaused(consumerId, false);
  consumer.resumed = true;
}

function currentSendCap(peer: SignalPeer): number {
  return sendBitrateCap(
    peer.rights!.bitrate,
    peer.entry?.producers.values() ?? [],
    peer.ctx.options.videoBitrateAllowance,
  );
}

/** Raises or lowers the send transport's cap as the peer's producers change (see sendBitrateCap). */
async function updateSendCap(peer: SignalPeer): Promise<void> {
  const transportId = peer.session.transportOf('send');
  const cap = currentSendCap(peer);
  if (transportId === undefined || cap === peer.sendCap) return;
  try {
    await joinedRoom(peer).setMaxIncomingBitrate(transportId, cap);
    peer.sendCap = cap;
  } catch (error) {
    // The request itself succeeded; the cap is retried on the peer's next producer change.
    peer.log.warn({ err: error, peerId: peer.peerId }, 'sfu signalling: setting the send cap failed');
  }
}
