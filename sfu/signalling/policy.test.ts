import type { VoiceRights } from '@gochat/voice-token';
import { describe, expect, it } from 'vitest';

import type { SignalErrorCode } from '../protocol/errors.ts';
import type { ProducerSource } from '../protocol/messages.ts';
import { AUDIO_OVERHEAD_BPS, checkMaySend, checkRoomHasPlace, isMuted, sendBitrateCap } from './policy.ts';
import { ALL_RIGHTS } from './testing/harness.ts';

const refusal = (run: () => void): SignalErrorCode | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code: SignalErrorCode }).code;
  }
};

describe('voice policy', () => {
  it.each<[string, Partial<VoiceRights>, Record<ProducerSource, SignalErrorCode | undefined>]>([
    ['every right', {}, { mic: undefined, camera: undefined, screen: undefined, 'screen-audio': undefined }],
    [
      'no SPEAK',
      { speak: false },
      { mic: 'FORBIDDEN', camera: undefined, screen: undefined, 'screen-audio': undefined },
    ],
    [
      'no STREAM',
      { stream: false },
      { mic: undefined, camera: 'FORBIDDEN', screen: 'FORBIDDEN', 'screen-audio': 'FORBIDDEN' },
    ],
    [
      'a server mute',
      { serverMute: true },
      { mic: 'FORBIDDEN', camera: undefined, screen: undefined, 'screen-audio': 'FORBIDDEN' },
    ],
    [
      'a server deafen (which mutes)',
      { serverDeaf: true },
      { mic: 'FORBIDDEN', camera: undefined, screen: undefined, 'screen-audio': 'FORBIDDEN' },
    ],
  ])('with %s, sending each source is allowed or refused', (_name, rights, expected) => {
    for (const source of Object.keys(expected) as ProducerSource[])
      expect(
        refusal(() => checkMaySend(source, { ...ALL_RIGHTS, ...rights })),
        source,
      ).toBe(expected[source]);
  });

  it('says why a muted or deafened peer may not send audio', () => {
    expect(() => checkMaySend('mic', { ...ALL_RIGHTS, serverMute: true })).toThrow(/muted by a moderator/);
    expect(() => checkMaySend('mic', { ...ALL_RIGHTS, serverDeaf: true })).toThrow(/deafened/);
    expect(isMuted({ serverMute: false, serverDeaf: true })).toBe(true);
    expect(isMuted({ serverMute: false, serverDeaf: false })).toBe(false);
  });

  it('counts distinct users against the limit, the joining user aside, unless there is none or MOVE_MEMBERS', () => {
    const limit2 = { ...ALL_RIGHTS, userLimit: 2 };
    expect(refusal(() => checkRoomHasPlace(limit2, 'u3', ['u1']))).toBeUndefined();
    expect(refusal(() => checkRoomHasPlace(limit2, 'u3', ['u1', 'u2']))).toBe('LIMIT');
    // A second session of a user already in the room replaces the first: no extra place.
    expect(refusal(() => checkRoomHasPlace(limit2, 'u2', ['u1', 'u2']))).toBeUndefined();
    expect(refusal(() => checkRoomHasPlace({ ...limit2, bypassUserLimit: true }, 'u3', ['u1', 'u2']))).toBe(
      undefined,
    );
    expect(
      refusal(() =>
        checkRoomHasPlace(
          ALL_RIGHTS,
          'u100',
          Array.from({ length: 99 }, (_, i) => `u${i}`),
        ),
      ),
    ).toBeUndefined();
    expect(() => checkRoomHasPlace(limit2, 'u3', ['u1', 'u2'])).toThrow('the voice channel is full');
  });

  it('caps the send transport at the audio bitrate per audio producer, plus an allowance per video producer', () => {
    const audio = { kind: 'audio' as const };
    const video = { kind: 'video' as const };
    const perAudio = 64_000 + AUDIO_OVERHEAD_BPS;
    expect(sendBitrateCap(64_000, [], 1_000_000)).toBe(perAudio);
    expect(sendBitrateCap(64_000, [audio], 1_000_000)).toBe(perAudio);
    expect(sendBitrateCap(64_000, [audio, audio], 1_000_000)).toBe(2 * perAudio);
    expect(sendBitrateCap(64_000, [audio, video], 1_000_000)).toBe(perAudio + 1_000_000);
    expect(sendBitrateCap(64_000, [video, video], 1_000_000)).toBe(perAudio + 2_000_000);
    expect(sendBitrateCap(8_000, [audio, video], 0)).toBe(8_000 + AUDIO_OVERHEAD_BPS);
  });
});
