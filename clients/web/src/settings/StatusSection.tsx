import type { ForcedStatus } from '@gochat/react';
import { useId, useState, type FormEvent } from 'react';

import { ErrorText } from '../errors.tsx';
import { useSettings } from './useSettings.ts';

const STATUSES: { value: ForcedStatus | ''; label: string }[] = [
  { value: '', label: 'As each device connects (online)' },
  { value: 'ONLINE', label: 'Online' },
  { value: 'IDLE', label: 'Idle' },
  { value: 'DND', label: 'Do not disturb' },
  { value: 'INVISIBLE', label: 'Invisible' },
];

/** Custom status text, as the server bounds it. */
const CUSTOM_STATUS_MAX = 255;

/**
 * The status every device of the viewer starts with (presence begins from it) and a custom status
 * text, both synced.
 */
export function StatusSection() {
  const headingId = useId();
  const { settings, update, error, saving } = useSettings();
  const custom = settings?.status.custom;
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? custom?.text ?? '';
  if (!settings) return null;

  const save = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = shown.trim();
    void update({
      status: { custom: trimmed ? { text: trimmed, emoji: custom?.emoji ?? null } : null },
    }).then((saved) => saved && setText(null));
  };

  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Status</h3>
      <label>
        Status
        <select
          value={settings.status.forced ?? ''}
          disabled={saving}
          onChange={(event) =>
            void update({ status: { forced: (event.target.value || null) as ForcedStatus | null } })
          }
        >
          {STATUSES.map((status) => (
            <option key={status.value} value={status.value}>
              {status.label}
            </option>
          ))}
        </select>
      </label>
      <form className="settings-row" onSubmit={save}>
        <label>
          Custom status
          <input
            value={shown}
            maxLength={CUSTOM_STATUS_MAX}
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        <button type="submit" disabled={saving}>
          Save status
        </button>
        {custom && (
          <button
            type="button"
            className="secondary"
            disabled={saving}
            onClick={() => void update({ status: { custom: null } }).then((saved) => saved && setText(null))}
          >
            Clear
          </button>
        )}
      </form>
      <ErrorText error={error} />
    </section>
  );
}
