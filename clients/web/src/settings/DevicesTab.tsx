import type { VoiceSettingsInput } from '@gochat/react';
import { useCallback, useEffect, useState } from 'react';

import { ErrorText } from '../errors.tsx';
import { useDebounced } from './useDebounced.ts';
import { useSettings, type Settings } from './useSettings.ts';

type Voice = Settings['voice'];

/** The browser's media devices of each kind; labels stay empty until the page may use a microphone. */
function useMediaDevices() {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const read = useCallback(async () => {
    if (!navigator.mediaDevices?.enumerateDevices) {
      setProblem('This browser cannot list devices here (the page needs HTTPS).');
      return;
    }
    setDevices(await navigator.mediaDevices.enumerateDevices());
  }, []);
  useEffect(() => {
    const onChange = () => void read();
    onChange();
    navigator.mediaDevices?.addEventListener('devicechange', onChange);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', onChange);
  }, [read]);
  /** Asks for the microphone once, so the browser names the devices; the stream stops at once. */
  const allow = async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const track of stream.getTracks()) track.stop();
      setProblem(null);
      await read();
    } catch {
      setProblem('Microphone access was refused: devices show without their names.');
    }
  };
  const named = devices.some((d) => d.label);
  return { devices, problem, named, allow };
}

function DeviceSelect({
  label,
  kind,
  devices,
  value,
  disabled,
  onChange,
}: {
  label: string;
  kind: MediaDeviceKind;
  devices: MediaDeviceInfo[];
  value: string | null;
  disabled: boolean;
  onChange: (deviceId: string | null) => void;
}) {
  const ofKind = devices.filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default');
  const known = !value || ofKind.some((d) => d.deviceId === value);
  return (
    <label>
      {label}
      <select
        value={value ?? ''}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value || null)}
      >
        <option value="">Default</option>
        {ofKind.map((device, i) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || `${label} ${i + 1}`}
          </option>
        ))}
        {!known && <option value={value}>A device not connected now</option>}
      </select>
    </label>
  );
}

/** A range whose value shows while it moves and is saved when it rests. */
function Level({
  label,
  value,
  min,
  max,
  unit,
  onSave,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  unit: string;
  onSave: (value: number) => void;
}) {
  const [shown, setShown] = useState(value);
  const save = useDebounced(onSave);
  useEffect(() => setShown(value), [value]);
  return (
    <label>
      {label}: {shown}
      {unit}
      <input
        type="range"
        min={min}
        max={max}
        value={shown}
        onChange={(event) => {
          setShown(event.target.valueAsNumber);
          save(event.target.valueAsNumber);
        }}
      />
    </label>
  );
}

/**
 * Voice and video: which microphone, speaker and camera to use, input and output volume, the voice
 * activity threshold, and the browser's noise suppression, echo cancellation and gain control. The
 * choices are synced; a call uses them (voice/preferences.ts).
 */
export function DevicesTab() {
  const { settings, update, error, saving } = useSettings();
  const media = useMediaDevices();
  if (!settings) return <p className="loading">Loading…</p>;
  const voice: Voice = settings.voice;
  const change = (patch: VoiceSettingsInput) => void update({ voice: patch });
  const automatic = voice.inputSensitivity === null || voice.inputSensitivity === undefined;
  return (
    <div className="settings-form">
      {!media.named && (
        <p className="hint">
          Device names show once the page may use a microphone.{' '}
          <button type="button" className="secondary" onClick={() => void media.allow()}>
            Show device names
          </button>
        </p>
      )}
      {media.problem && (
        <p role="alert" className="error">
          {media.problem}
        </p>
      )}
      <DeviceSelect
        label="Microphone"
        kind="audioinput"
        devices={media.devices}
        value={voice.inputDeviceId ?? null}
        disabled={saving}
        onChange={(inputDeviceId) => change({ inputDeviceId })}
      />
      <DeviceSelect
        label="Speaker"
        kind="audiooutput"
        devices={media.devices}
        value={voice.outputDeviceId ?? null}
        disabled={saving}
        onChange={(outputDeviceId) => change({ outputDeviceId })}
      />
      <DeviceSelect
        label="Camera"
        kind="videoinput"
        devices={media.devices}
        value={voice.videoDeviceId ?? null}
        disabled={saving}
        onChange={(videoDeviceId) => change({ videoDeviceId })}
      />
      <Level
        label="Input volume"
        value={voice.inputVolume}
        min={0}
        max={200}
        unit="%"
        onSave={(inputVolume) => change({ inputVolume })}
      />
      <Level
        label="Output volume"
        value={voice.outputVolume}
        min={0}
        max={200}
        unit="%"
        onSave={(outputVolume) => change({ outputVolume })}
      />
      <label className="checkbox">
        <input
          type="checkbox"
          checked={automatic}
          disabled={saving}
          onChange={(event) => change({ inputSensitivity: event.target.checked ? null : -50 })}
        />
        Set input sensitivity automatically
      </label>
      {!automatic && (
        <Level
          label="Input sensitivity"
          value={voice.inputSensitivity ?? -50}
          min={-100}
          max={0}
          unit=" dB"
          onSave={(inputSensitivity) => change({ inputSensitivity })}
        />
      )}
      <fieldset>
        <legend>Voice processing</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={voice.noiseSuppression}
            disabled={saving}
            onChange={(event) => change({ noiseSuppression: event.target.checked })}
          />
          Noise suppression
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={voice.echoCancellation}
            disabled={saving}
            onChange={(event) => change({ echoCancellation: event.target.checked })}
          />
          Echo cancellation
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={voice.automaticGainControl}
            disabled={saving}
            onChange={(event) => change({ automaticGainControl: event.target.checked })}
          />
          Automatic gain control
        </label>
      </fieldset>
      <ErrorText error={error} />
    </div>
  );
}
