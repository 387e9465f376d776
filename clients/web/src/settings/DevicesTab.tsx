import type { VoiceSettingsInput } from '@gochat/react';
import { useCallback, useEffect, useState } from 'react';

import { ErrorText } from '../errors.tsx';
import { MicrophoneTest } from './MicrophoneTest.tsx';
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

/** The device pickers: which setting each kind of device is saved in. */
const DEVICES = [
  { label: 'Microphone', kind: 'audioinput', field: 'inputDeviceId' },
  { label: 'Speaker', kind: 'audiooutput', field: 'outputDeviceId' },
  { label: 'Camera', kind: 'videoinput', field: 'videoDeviceId' },
] as const satisfies readonly { label: string; kind: MediaDeviceKind; field: keyof Voice }[];

/** The volume sliders, in percent. */
const VOLUMES = [
  { label: 'Input volume', field: 'inputVolume' },
  { label: 'Output volume', field: 'outputVolume' },
] as const satisfies readonly { label: string; field: keyof Voice }[];

/** The browser's voice processing switches (getUserMedia constraints). */
const PROCESSING = [
  { label: 'Noise suppression', field: 'noiseSuppression' },
  { label: 'Echo cancellation', field: 'echoCancellation' },
  { label: 'Automatic gain control', field: 'automaticGainControl' },
] as const satisfies readonly { label: string; field: keyof Voice }[];

/** The threshold a manual sensitivity starts at, when the automatic setting is turned off. */
const DEFAULT_SENSITIVITY = -50;

function Toggle({
  label,
  checked,
  disabled,
  onChange,
}: {
  label: string;
  checked: boolean;
  disabled: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="checkbox">
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(event) => onChange(event.target.checked)}
      />
      {label}
    </label>
  );
}

/**
 * Voice and video: which microphone, speaker and camera to use, input and output volume, the voice
 * activity threshold (input sensitivity: quieter input is not sent; automatic: always sent), and the
 * browser's noise suppression, echo cancellation and gain control, with a microphone test through
 * the same pipeline a call uses. The choices are synced; a call uses them, and applies changes at
 * once (voice/preferences.ts, voice/capture.ts).
 */
export function DevicesTab() {
  const { settings, update, error, saving } = useSettings();
  const media = useMediaDevices();
  if (!settings) return <p className="loading">Loading…</p>;
  const voice: Voice = settings.voice;
  const change = (patch: VoiceSettingsInput) => void update({ voice: patch });
  const sensitivity = voice.inputSensitivity ?? null;
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
      {DEVICES.map(({ label, kind, field }) => (
        <DeviceSelect
          key={field}
          label={label}
          kind={kind}
          devices={media.devices}
          value={voice[field] ?? null}
          disabled={saving}
          onChange={(deviceId) => change({ [field]: deviceId })}
        />
      ))}
      {VOLUMES.map(({ label, field }) => (
        <Level
          key={field}
          label={label}
          value={voice[field]}
          min={0}
          max={200}
          unit="%"
          onSave={(value) => change({ [field]: value })}
        />
      ))}
      <Toggle
        label="Set input sensitivity automatically (always send)"
        checked={sensitivity === null}
        disabled={saving}
        onChange={(automatic) => change({ inputSensitivity: automatic ? null : DEFAULT_SENSITIVITY })}
      />
      {sensitivity !== null && (
        <Level
          label="Input sensitivity"
          value={sensitivity}
          min={-100}
          max={0}
          unit=" dB"
          onSave={(inputSensitivity) => change({ inputSensitivity })}
        />
      )}
      <MicrophoneTest settings={{ inputVolume: voice.inputVolume, inputSensitivity: sensitivity }} />
      <fieldset>
        <legend>Voice processing</legend>
        {PROCESSING.map(({ label, field }) => (
          <Toggle
            key={field}
            label={label}
            checked={voice[field]}
            disabled={saving}
            onChange={(checked) => change({ [field]: checked })}
          />
        ))}
      </fieldset>
      <ErrorText error={error} />
    </div>
  );
}
