import type { VoiceRights } from '@gochat/voice-token';

import { SignalError } from '../protocol/errors.ts';
import { KIND_OF_SOURCE, type ProducerSource } from '../protocol/messages.ts';

/**
 * The voice permissions the SFU enforces itself, from the rights in the peer's token and the
 * moderation orders since. Pure rules; the signalling server applies them before the engine acts.
 */

/** A server deafen mutes too (as in Discord: a member who cannot hear cannot speak). */
export const isMuted = (rights: Pick<VoiceRights, 'serverMute' | 'serverDeaf'>): boolean =>
  rights.serverMute || rights.serverDeaf;

/**
 * Throws FORBIDDEN unless the peer may send `source` now: the microphone needs SPEAK; a camera, a
 * screen and the screen's audio need STREAM; no audio at all while server-muted or deafened. Checked
 * on produce and again on resume, so a producer paused by a server mute stays paused.
 */
export function checkMaySend(source: ProducerSource, rights: VoiceRights): void {
  if (source === 'mic' && !rights.speak)
    throw new SignalError('FORBIDDEN', 'you may not speak in this voice channel');
  if (source !== 'mic' && !rights.stream)
    throw new SignalError('FORBIDDEN', 'you may not stream in this voice channel');
  if (KIND_OF_SOURCE[source] === 'audio' && isMuted(rights))
    throw new SignalError(
      'FORBIDDEN',
      rights.serverDeaf ? 'you are deafened by a moderator' : 'you are muted by a moderator',
    );
}

/**
 * Throws LIMIT when the room is full for this user: a user limit is set, the room already holds that
 * many users besides this one (a second session of the same user replaces the first, so it takes
 * no extra place), and the user has no MOVE_MEMBERS.
 */
export function checkRoomHasPlace(rights: VoiceRights, userId: string, usersInRoom: Iterable<string>): void {
  if (rights.userLimit === 0 || rights.bypassUserLimit) return;
  let others = 0;
  for (const user of usersInRoom) if (user !== userId) others++;
  if (others >= rights.userLimit) throw new SignalError('LIMIT', 'the voice channel is full');
}

/**
 * RTP, SRTP, UDP and IP headers of one Opus stream: 50 packets a second (20 ms frames) of about
 * 70 bytes of headers and extensions each, rounded up.
 */
export const AUDIO_OVERHEAD_BPS = 32_000;

/**
 * The cap on what a peer may push through its send transport, in bits per second. mediasoup caps a
 * transport as a whole (transport.setMaxIncomingBitrate), through the congestion feedback the
 * sender's bandwidth estimation obeys, so one number must cover everything the peer sends:
 *
 * - the channel's bitrate, plus packet overhead, per audio producer (at least one: the cap is set
 *   when the transport is created, before the microphone exists). The channel's bitrate is what
 *   caps incoming audio; a client also gets it from joinVoice and sets Opus's bitrate to it, since
 *   browsers do not hold audio to the estimate as strictly as video;
 * - plus `videoAllowance` per video producer (camera, screen), configurable on the server, since the
 *   channel's bitrate says nothing about video and a cap at the audio rate would starve it.
 *
 * The server raises and lowers the cap as video producers come and go.
 */
export function sendBitrateCap(
  bitrate: number,
  producers: Iterable<{ kind: 'audio' | 'video' }>,
  videoAllowance: number,
): number {
  let audio = 0;
  let video = 0;
  for (const { kind } of producers) {
    if (kind === 'audio') audio++;
    else video++;
  }
  return Math.max(1, audio) * (bitrate + AUDIO_OVERHEAD_BPS) + video * videoAllowance;
}
