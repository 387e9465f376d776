import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  microphoneConstraints,
  onVoicePreferences,
  setVoicePreferences,
  voicePreferences,
} from './preferences.ts';

const chosen = {
  inputDeviceId: 'mic-2',
  outputDeviceId: null,
  inputVolume: 150,
  outputVolume: 80,
  inputSensitivity: -42,
  noiseSuppression: false,
  echoCancellation: true,
  automaticGainControl: false,
};

describe('voice preferences', () => {
  afterEach(() => setVoicePreferences(null));

  it('tells a call in progress of each change at once (input volume and sensitivity included)', () => {
    const listener = vi.fn();
    const stop = onVoicePreferences(listener);
    setVoicePreferences(chosen);
    expect(listener).toHaveBeenLastCalledWith(chosen);
    expect(voicePreferences()).toMatchObject({ inputVolume: 150, inputSensitivity: -42 });
    stop();
    setVoicePreferences({ ...chosen, inputVolume: 10 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('falls back to the defaults (100 %, always sent) when signed out', () => {
    setVoicePreferences(chosen);
    setVoicePreferences(null);
    expect(voicePreferences()).toMatchObject({ inputVolume: 100, inputSensitivity: null });
    expect(microphoneConstraints()).toEqual({
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    });
  });
});
