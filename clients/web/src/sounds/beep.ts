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
};

const VOLUME = 0.08;
let context: AudioContext | null = null;

/**
 * Plays a sound as oscillator beeps (Web Audio). Browsers keep audio off until the page has had a
 * user gesture: before that the context stays suspended and the sound is skipped, silently.
 */
export function playSound(sound: UiSound): void {
  const tones = TONES[sound];
  if (!tones || typeof AudioContext === 'undefined') return;
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
