import { useMyGuildsQuery, type GuildFolderInput } from '@gochat/react';
import { useState } from 'react';

import { ErrorText } from '../errors.tsx';
import { hexColor } from '../shell/GuildRail.tsx';
import { useDebounced } from './useDebounced.ts';
import { useSettings, type Settings } from './useSettings.ts';

type Folder = Settings['guildFolders'][number];

/** A folder id of the client's choosing, unique among the viewer's folders. */
const newFolderId = () => `f${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

const asInput = (folder: Folder): GuildFolderInput => ({
  id: folder.id,
  name: folder.name,
  color: folder.color,
  guildIds: [...folder.guildIds],
});

/**
 * Guild folders: create, rename, colour, choose their guilds (a guild sits in one folder at most),
 * delete. The whole list is saved on each change (the API replaces it whole); the guild rail shows
 * the folders on every device.
 */
export function FoldersTab() {
  const guilds = useMyGuildsQuery().data?.myGuilds ?? [];
  const { settings, update, error, saving } = useSettings();
  const [newName, setNewName] = useState('');
  if (!settings) return <p className="loading">Loading…</p>;
  const folders = settings.guildFolders;
  const save = (next: GuildFolderInput[]) => update({ guildFolders: next });
  const replace = (id: string, change: (folder: GuildFolderInput) => GuildFolderInput) =>
    save(folders.map((f) => (f.id === id ? change(asInput(f)) : asInput(f))));
  /** Swaps a folder with its neighbour: the rail shows folders in this order. */
  const move = (index: number, by: -1 | 1) => {
    const next = folders.map(asInput);
    const [folder] = next.splice(index, 1);
    next.splice(index + by, 0, folder!);
    return save(next);
  };
  /** Puts the guild in the folder (out of any other), or takes it out. */
  const assign = (folderId: string, guildId: string, inFolder: boolean) =>
    save(
      folders.map((f) => {
        const input = asInput(f);
        const others = input.guildIds.filter((id) => id !== guildId);
        return { ...input, guildIds: f.id === folderId && inFolder ? [...others, guildId] : others };
      }),
    );

  return (
    <div className="settings-form">
      <form
        className="settings-row"
        onSubmit={(event) => {
          event.preventDefault();
          const name = newName.trim();
          void save([
            ...folders.map(asInput),
            { id: newFolderId(), name: name || null, color: null, guildIds: [] },
          ]).then((saved) => saved && setNewName(''));
        }}
      >
        <label>
          New folder name
          <input value={newName} maxLength={100} onChange={(event) => setNewName(event.target.value)} />
        </label>
        <button type="submit" disabled={saving}>
          Create folder
        </button>
      </form>
      {folders.length === 0 && <p className="empty">No folders yet.</p>}
      <ul className="folder-list" aria-label="Folders">
        {folders.map((folder, index) => (
          <li
            key={folder.id}
            aria-label={folder.name ?? 'Folder'}
            style={{ borderColor: hexColor(folder.color) }}
          >
            <div className="settings-row">
              <label>
                Name
                <input
                  defaultValue={folder.name ?? ''}
                  key={`${folder.id}:${folder.name ?? ''}`}
                  maxLength={100}
                  onBlur={(event) => {
                    const name = event.target.value.trim() || null;
                    if (name !== folder.name) void replace(folder.id, (f) => ({ ...f, name }));
                  }}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter') event.currentTarget.blur();
                  }}
                />
              </label>
              <FolderColor
                key={`${folder.id}:${folder.color ?? ''}`}
                color={folder.color}
                onSave={(color) => void replace(folder.id, (f) => ({ ...f, color }))}
              />
              <button
                type="button"
                className="secondary"
                aria-label={`Move ${folder.name ?? 'folder'} up`}
                disabled={saving || index === 0}
                onClick={() => void move(index, -1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="secondary"
                aria-label={`Move ${folder.name ?? 'folder'} down`}
                disabled={saving || index === folders.length - 1}
                onClick={() => void move(index, 1)}
              >
                ↓
              </button>
              <button
                type="button"
                className="danger"
                disabled={saving}
                onClick={() => void save(folders.filter((f) => f.id !== folder.id).map(asInput))}
              >
                Delete folder
              </button>
            </div>
            <fieldset>
              <legend>Guilds in {folder.name ?? 'this folder'}</legend>
              <div className="settings-row">
                {guilds.map((guild) => (
                  <label key={guild.id}>
                    <input
                      type="checkbox"
                      checked={folder.guildIds.includes(guild.id)}
                      disabled={saving}
                      onChange={(event) => void assign(folder.id, guild.id, event.target.checked)}
                    />
                    {guild.name}
                  </label>
                ))}
              </div>
            </fieldset>
          </li>
        ))}
      </ul>
      <ErrorText error={error} />
    </div>
  );
}

/** A folder's colour: shown as it moves, saved when it rests. */
function FolderColor({ color, onSave }: { color: number | null; onSave: (color: number) => void }) {
  const [value, setValue] = useState(hexColor(color));
  const save = useDebounced(onSave);
  return (
    <label>
      Colour
      <input
        type="color"
        value={value}
        onChange={(event) => {
          setValue(event.target.value);
          save(Number.parseInt(event.target.value.slice(1), 16));
        }}
      />
    </label>
  );
}
