import type { UiSound } from '@gochat/react';

/** Each sound as a short run of tones (Hz, seconds): generated, so the app ships no audio files. */
const TONES: Partial<Record<UiSound, readonly { frequency: number; duration: number }[]>> = {
  MENTION: [
    { frequency: 880, duration: 0.09 },
    { frequency: 1320, duration: 0.12 },
  ],
  USER_JOIN: [
    { frequency: 523, duration: 0.08 },
    { frequency: 784, duration: 0.1 },
  ],
  USER_LEAVE: [
    { frequency: 784, duration: 0.08 },
    { frequency: 523, duration: 0.1 },
  ],
  MESSAGE: [{ frequency: 660, duration: 0.08 }],
  // Mute and deafen go down; their "un" sounds play the same tones upwards (playSound's `reverse`).
  MUTE: [
    { frequency: 740, duration: 0.06 },
    { frequency: 440, duration: 0.08 },
  ],
  DEAFEN: [
    { frequency: 494, duration: 0.06 },
    { frequency: 330, duration: 0.06 },
    { frequency: 247, duration: 0.08 },
  ],
};

const VOLUME = 0.08;
let context: AudioContext | null = null;

/**
 * Plays a sound as oscillator beeps (Web Audio); `reverse` plays its tones backwards (unmute,
 * undeafen). Browsers keep audio off until the page has had a user gesture: before that the context
 * stays suspended and the sound is skipped, silently.
 */
export function playSound(sound: UiSound, reverse = false): void {
  const forwards = TONES[sound];
  if (!forwards || typeof AudioContext === 'undefined') return;
  const tones = reverse ? [...forwards].reverse() : forwards;
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume().catch(() => undefined);
    let at = context.currentTime;
    for (const tone of tones) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = tone.frequency;
      // A quick fade in and out: a hard start or stop clicks.
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(VOLUME, at + 0.01);
      gain.gain.linearRampToValueAtTime(0, at + tone.duration);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + tone.duration);
      at += tone.duration;
    }
  } catch {
    // No audio device, or audio refused: a UI sound is never worth an error.
  }
}
