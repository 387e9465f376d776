import {
  useCreateEmojiMutation,
  useDeleteEmojiMutation,
  useGoChat,
  useGuildQuery,
  useSetGuildIconMutation,
} from '@gochat/react';
import { useId, useState, type FormEvent } from 'react';

import { ErrorText } from '../errors.tsx';
import { hasPermission, MANAGE_EMOJIS, MANAGE_GUILD } from '../media/format.ts';
import { IMAGE_TYPES, ImageUploadSection } from '../media/ImageUploadSection.tsx';
import { UploadProgress } from '../media/UploadProgress.tsx';
import { useSingleUpload } from '../media/useSingleUpload.ts';

const EMOJI_NAME = '[A-Za-z0-9_]{2,32}';

/**
 * A guild's icon (MANAGE_GUILD) and custom emoji (MANAGE_EMOJIS). The server checks both; the
 * sections show for those who hold them. Loaded on the first open of "Guild settings" (React.lazy).
 */
export function GuildSettings({ guildId, close }: { guildId: string; close: () => void }) {
  const { viewerId } = useGoChat();
  const guild = useGuildQuery({ variables: { id: guildId } }).data?.guild;
  if (!guild) return <p className="loading">Loading…</p>;
  const owner = guild.owner.id === viewerId;
  return (
    <div className="settings-body">
      <h2>Guild settings</h2>
      {(owner || hasPermission(guild.me.permissions, MANAGE_GUILD)) && (
        <IconSection guildId={guild.id} name={guild.name} iconUrl={guild.iconUrl} />
      )}
      {(owner || hasPermission(guild.me.permissions, MANAGE_EMOJIS)) && (
        <EmojiSection guildId={guild.id} emojis={guild.emojis} />
      )}
      <p className="dialog-actions">
        <button type="button" onClick={close}>
          Close
        </button>
      </p>
    </div>
  );
}

function IconSection({ guildId, name, iconUrl }: { guildId: string; name: string; iconUrl: string | null }) {
  const [setIcon, setState] = useSetGuildIconMutation();
  return (
    <ImageUploadSection
      heading="Icon"
      preview={{ name, url: iconUrl, alt: 'Current guild icon' }}
      uploadLabel="Upload guild icon"
      upload={{ kind: 'GUILD_ICON', guildId }}
      set={(uploadId) => setIcon({ variables: { guildId, uploadId } })}
      setState={setState}
      removeLabel="Remove icon"
      removable={Boolean(iconUrl)}
    />
  );
}

function EmojiSection({
  guildId,
  emojis,
}: {
  guildId: string;
  emojis: readonly { id: string; name: string; url: string | null }[];
}) {
  const headingId = useId();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [formKey, setFormKey] = useState(0);
  const upload = useSingleUpload();
  const [createEmoji, createState] = useCreateEmojiMutation({ refetchQueries: ['Guild'] });
  const [deleteEmoji, deleteState] = useDeleteEmojiMutation({ refetchQueries: ['Guild'] });

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    const done = await upload.run(file, { kind: 'EMOJI', guildId }, (ready) =>
      createEmoji({ variables: { guildId, input: { name, uploadId: ready.id } } }),
    );
    if (!done) return;
    setName('');
    setFile(null);
    setFormKey((k) => k + 1); // a fresh file input
  }

  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Emoji</h3>
      <form key={formKey} className="emoji-form" onSubmit={(event) => void submit(event)}>
        <label>
          Emoji name
          <input
            required
            pattern={EMOJI_NAME}
            title="2 to 32 letters, digits or underscores"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label>
          Upload emoji
          <input
            type="file"
            required
            accept={IMAGE_TYPES}
            onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
          />
        </label>
        <button type="submit" disabled={upload.busy || createState.loading}>
          Add emoji
        </button>
      </form>
      <UploadProgress state={upload.state} />
      <ErrorText error={upload.error ?? createState.error ?? deleteState.error} />
      {emojis.length > 0 ? (
        <ul className="emoji-list" aria-label="Guild emoji">
          {emojis.map((emoji) => (
            <li key={emoji.id}>
              {emoji.url ? (
                <img src={emoji.url} alt={`:${emoji.name}:`} width={32} height={32} />
              ) : (
                <span className="emoji-missing" aria-hidden="true">
                  ?
                </span>
              )}
              <span aria-hidden={emoji.url ? true : undefined}>:{emoji.name}:</span>
              <button
                type="button"
                className="secondary"
                aria-label={`Delete emoji ${emoji.name}`}
                onClick={() => void deleteEmoji({ variables: { id: emoji.id } }).catch(() => {})}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="hint">No custom emoji yet.</p>
      )}
    </section>
  );
}
