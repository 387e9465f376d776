/**
 * The viewer's voice choices from their synced settings (Settings › Voice & video), kept outside
 * React for the call, which lives outside it too (call.ts): the shell writes them whenever the
 * settings change, and a call reads them when it opens the microphone or plays someone.
 */
export interface VoicePreferences {
  inputDeviceId: string | null;
  outputDeviceId: string | null;
  /** Percent, 0-200; the browser plays at most 100. */
  outputVolume: number;
  noiseSuppression: boolean;
  echoCancellation: boolean;
  automaticGainControl: boolean;
}

const DEFAULTS: VoicePreferences = {
  inputDeviceId: null,
  outputDeviceId: null,
  outputVolume: 100,
  noiseSuppression: true,
  echoCancellation: true,
  automaticGainControl: true,
};

let current: VoicePreferences = DEFAULTS;

export function setVoicePreferences(preferences: VoicePreferences | null): void {
  current = preferences ?? DEFAULTS;
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
