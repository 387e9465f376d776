import type { SignalPeer } from './peer.ts';
import { isMuted } from './policy.ts';

/** A user's server mute and deafen, as the API committed them. */
export interface Moderation {
  serverMute: boolean;
  serverDeaf: boolean;
}

/**
 * Applies a moderation order to one peer (on its lane, ahead of its waiting requests).
 *
 * - Muted (server mute or deafen): its audio producers are paused at the SFU now, the room hears
 *   `producerPaused`, and the peer `serverMute {muted: true}`; resuming audio is refused from then on.
 * - Unmuted: the peer hears `serverMute {muted: false}` and resumes its producer itself, as in
 *   Discord (the SFU does not know whether the user had muted themselves meanwhile).
 * - Deafened: the consumers its client had resumed are paused at the SFU, and it hears
 *   `serverDeafen {deafened: true}`. Undeafened: those consumers resume, since the client never paused
 *   them, and it hears `serverDeafen {deafened: false}`.
 *
 * A peer that has authenticated but not joined only has its rights changed (and is told), so it
 * joins as the order says.
 */
export async function applyModeration(peer: SignalPeer, next: Moderation): Promise<void> {
  const { rights, room } = peer;
  if (peer.isEnding || !rights) return;
  const wasMuted = isMuted(rights);
  const wasDeaf = rights.serverDeaf;
  rights.serverMute = next.serverMute;
  rights.serverDeaf = next.serverDeaf;
  const muted = isMuted(rights);
  if (room && muted && !wasMuted) await pauseAudio(peer);
  if (room && rights.serverDeaf !== wasDeaf) {
    const resumed = [...peer.consumers].filter(([, consumer]) => consumer.resumed).map(([id]) => id);
    const results = await Promise.allSettled(
      resumed.map((consumerId) => room.setConsumerPaused(consumerId, rights.serverDeaf)),
    );
    logFailures(peer, results, 'holding a consumer for a deafen failed');
  }
  if (peer.isEnding) return;
  if (rights.serverDeaf !== wasDeaf) peer.notify('serverDeafen', { deafened: rights.serverDeaf });
  if (muted !== wasMuted) peer.notify('serverMute', { muted });
}

async function pauseAudio(peer: SignalPeer): Promise<void> {
  const audio = [...(peer.entry?.producers ?? [])].filter(([, p]) => p.kind === 'audio' && !p.paused);
  const results = await Promise.allSettled(audio.map(([id]) => peer.room!.setProducerPaused(id, true)));
  logFailures(peer, results, 'pausing a producer for a server mute failed');
  if (peer.isEnding) return;
  audio.forEach(([producerId, producer], i) => {
    if (results[i]!.status !== 'fulfilled') return;
    producer.paused = true;
    peer.ctx.peers.broadcast(peer.grant!.channelId, 'producerPaused', { producerId }, peer.peerId);
  });
}

function logFailures(peer: SignalPeer, results: PromiseSettledResult<unknown>[], message: string): void {
  for (const result of results)
    if (result.status === 'rejected')
      peer.log.error({ err: result.reason as unknown, peerId: peer.peerId }, `sfu signalling: ${message}`);
}
