import type { UiSound } from '@gochat/react';
import { useId } from 'react';

import { ErrorText } from '../errors.tsx';
import { PLAYED_SOUNDS, UNPLAYED_SOUNDS } from '../sounds/decide.ts';
import { useSettings } from './useSettings.ts';

/**
 * UI sounds: all on or off, and each sound this client plays on its own (sounds.disabled). Saved at
 * once; every device of the viewer follows. Sounds the API knows but this client does not play are
 * named as such, with no switch (it would change nothing here), and stay as they are in the list.
 */
export function SoundsTab() {
  const { settings, update, error, saving } = useSettings();
  const eachId = useId();
  if (!settings) return <p className="loading">Loading…</p>;
  const { enabled, disabled } = settings.sounds;
  const toggle = (sound: UiSound, on: boolean) =>
    update({
      sounds: { disabled: on ? disabled.filter((s) => s !== sound) : [...disabled, sound] },
    });
  return (
    <div className="settings-form">
      <label>
        <input
          type="checkbox"
          checked={enabled}
          disabled={saving}
          onChange={(event) => void update({ sounds: { enabled: event.target.checked } })}
        />
        Play sounds
      </label>
      <fieldset aria-labelledby={eachId} disabled={!enabled}>
        <legend id={eachId}>Play a sound when</legend>
        {PLAYED_SOUNDS.map(({ sound, label }) => (
          <label key={sound}>
            <input
              type="checkbox"
              checked={!disabled.includes(sound)}
              disabled={saving}
              onChange={(event) => void toggle(sound, event.target.checked)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <p className="hint">
        Not played by this client: {UNPLAYED_SOUNDS.map(({ label }) => label).join('; ')}.
      </p>
      <ErrorText error={error} />
    </div>
  );
}
