import type { Density, Theme } from '@gochat/react';
import { useId } from 'react';

import { ErrorText } from '../errors.tsx';
import { useSettings } from './useSettings.ts';

const THEMES: { value: Theme; label: string }[] = [
  { value: 'DARK', label: 'Dark' },
  { value: 'LIGHT', label: 'Light' },
  { value: 'SYSTEM', label: 'Sync with the system' },
];

const DENSITIES: { value: Density; label: string }[] = [
  { value: 'COZY', label: 'Cozy' },
  { value: 'COMPACT', label: 'Compact' },
];

/** Languages offered; the server takes any BCP 47 tag. */
const LOCALES: { value: string; label: string }[] = [
  { value: 'en-US', label: 'English (US)' },
  { value: 'en-GB', label: 'English (UK)' },
  { value: 'de-DE', label: 'Deutsch' },
  { value: 'es-ES', label: 'Español' },
  { value: 'fr-FR', label: 'Français' },
  { value: 'it-IT', label: 'Italiano' },
  { value: 'ja-JP', label: '日本語' },
  { value: 'pt-BR', label: 'Português (Brasil)' },
];

/** Theme, density and language: saved at once, applied on every device of the viewer. */
export function AppearanceTab() {
  const { settings, update, error, saving } = useSettings();
  const themeId = useId();
  const densityId = useId();
  if (!settings) return <p className="loading">Loading…</p>;
  const { theme, density, locale } = settings.appearance;
  return (
    <div className="settings-form">
      <fieldset aria-labelledby={themeId}>
        <legend id={themeId}>Theme</legend>
        <div className="settings-row">
          {THEMES.map((option) => (
            <label key={option.value}>
              <input
                type="radio"
                name="theme"
                value={option.value}
                checked={theme === option.value}
                disabled={saving}
                onChange={() => void update({ appearance: { theme: option.value } })}
              />
              {option.label}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset aria-labelledby={densityId}>
        <legend id={densityId}>Message density</legend>
        <div className="settings-row">
          {DENSITIES.map((option) => (
            <label key={option.value}>
              <input
                type="radio"
                name="density"
                value={option.value}
                checked={density === option.value}
                disabled={saving}
                onChange={() => void update({ appearance: { density: option.value } })}
              />
              {option.label}
            </label>
          ))}
        </div>
      </fieldset>
      <label>
        Language
        <select
          value={locale ?? ''}
          disabled={saving}
          onChange={(event) => void update({ appearance: { locale: event.target.value || null } })}
        >
          <option value="">The browser's language</option>
          {LOCALES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
          {locale && !LOCALES.some((l) => l.value === locale) && <option value={locale}>{locale}</option>}
        </select>
      </label>
      <ErrorText error={error} />
    </div>
  );
}
