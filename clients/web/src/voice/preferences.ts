/**
 * The viewer's voice choices from their synced settings (Settings › Voice & video), kept outside
 * React for the call, which lives outside it too (call.ts): the shell writes them whenever the
 * settings change, and a call reads them when it opens the microphone or plays someone.
 */
export interface VoicePreferences {
  inputDeviceId: string | null;
  outputDeviceId: string | null;
  /** Percent, 0-200: the microphone's gain before it is sent (capture.ts). */
  inputVolume: number;
  /** Percent, 0-200; the browser plays at most 100. */
  outputVolume: number;
  /** Voice activity threshold in dB (-100 to 0): quieter input is not sent; null: always sent. */
  inputSensitivity: number | null;
  noiseSuppression: boolean;
  echoCancellation: boolean;
  automaticGainControl: boolean;
}

const DEFAULTS: VoicePreferences = {
  inputDeviceId: null,
  outputDeviceId: null,
  inputVolume: 100,
  outputVolume: 100,
  inputSensitivity: null,
  noiseSuppression: true,
  echoCancellation: true,
  automaticGainControl: true,
};

let current: VoicePreferences = DEFAULTS;
const listeners = new Set<(preferences: VoicePreferences) => void>();

export function setVoicePreferences(preferences: VoicePreferences | null): void {
  current = preferences ?? DEFAULTS;
  for (const listener of listeners) listener(current);
}

export function voicePreferences(): VoicePreferences {
  return current;
}

/** Calls `listener` on every change, so a call in progress applies it at once; returns the unsubscribe. */
export function onVoicePreferences(listener: (preferences: VoicePreferences) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** getUserMedia's audio constraints: the chosen microphone (when still there) and processing. */
export function microphoneConstraints(): MediaTrackConstraints {
  return {
    ...(current.inputDeviceId ? { deviceId: { ideal: current.inputDeviceId } } : {}),
    echoCancellation: current.echoCancellation,
    noiseSuppression: current.noiseSuppression,
    autoGainControl: current.automaticGainControl,
  };
}

/** Plays a remote peer through the chosen speaker, at the chosen volume. */
export function applyOutput(audio: HTMLAudioElement): void {
  audio.volume = Math.min(1, Math.max(0, current.outputVolume / 100));
  const sink = audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
  // Chromium and Firefox can pick the output; a device gone since falls back to the default.
  if (current.outputDeviceId && typeof sink.setSinkId === 'function')
    void sink.setSinkId(current.outputDeviceId).catch(() => {});
}
