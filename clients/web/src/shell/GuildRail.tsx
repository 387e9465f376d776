import type { MyGuildsQuery } from '@gochat/react';
import { useState } from 'react';
import { NavLink } from 'react-router';

import { Avatar } from '../media/Avatar.tsx';
import { GuildMenu } from './GuildMenu.tsx';
import { reorderFolderGuilds, reorderGuilds, type FolderOrder } from './guildOrder.ts';

type Guild = MyGuildsQuery['myGuilds'][number];

/** A folder as the synced settings hold it. */
export interface RailFolder {
  id: string;
  name: string | null;
  /** 0xRRGGBB, or null for the default. */
  color: number | null;
  guildIds: readonly string[];
}

/** The colour of a folder without one of its own. */
export const DEFAULT_FOLDER_COLOR = 0x5865f2;

export const hexColor = (color: number | null | undefined) =>
  `#${(color ?? DEFAULT_FOLDER_COLOR).toString(16).padStart(6, '0')}`;

/**
 * Guilds in the viewer's order: guildOrder first, then the rest as the API lists them (oldest
 * membership first, so the newest last).
 */
export function orderGuilds(guilds: readonly Guild[], order: readonly string[]): Guild[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  return guilds
    .map((guild, i) => ({ guild, i }))
    .sort(
      (a, b) => (rank.get(a.guild.id) ?? order.length + a.i) - (rank.get(b.guild.id) ?? order.length + b.i),
    )
    .map(({ guild }) => guild);
}

function GuildLink({ guild, onContextMenu }: { guild: Guild; onContextMenu?: () => void }) {
  return (
    <NavLink
      to={`/guilds/${guild.id}`}
      className="guild-link"
      onContextMenu={
        onContextMenu &&
        ((event) => {
          event.preventDefault();
          onContextMenu();
        })
      }
    >
      {/* The link is named by the icon's alt text, or by the name beside the initials. */}
      {guild.iconUrl ? (
        <>
          <img className="guild-icon" src={guild.iconUrl} alt={guild.name} width={28} height={28} />
          <span aria-hidden="true">{guild.name}</span>
        </>
      ) : (
        <>
          <Avatar name={guild.name} url={null} size={28} className="guild-icon" />
          {guild.name}
        </>
      )}
    </NavLink>
  );
}

/**
 * A folder in the rail: its name in its colour, opening and closing on this device only. With
 * `onMove`, its guilds can be moved within it (menu or drag and drop), as the loose ones can.
 */
function FolderItem({
  folder,
  guilds,
  onMove,
}: {
  folder: RailFolder;
  guilds: Guild[];
  onMove?: (id: string, toIndex: number) => void;
}) {
  const [open, setOpen] = useState(true);
  const name = folder.name ?? 'Folder';
  return (
    <li className="guild-folder" style={{ borderColor: hexColor(folder.color) }}>
      <button type="button" className="folder-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <span aria-hidden="true">{open ? '▾' : '▸'}</span>
        <span className="folder-swatch" aria-hidden="true" style={{ background: hexColor(folder.color) }} />
        {name}
      </button>
      {open && (
        <ul aria-label={`Folder ${name}`}>
          {guilds.map((guild, index) => (
            <MovableGuild
              key={guild.id}
              guild={guild}
              list={`folder:${folder.id}`}
              index={index}
              count={guilds.length}
              onMove={onMove}
            />
          ))}
        </ul>
      )}
    </li>
  );
}

/** The drag's data type: a guild of the rail being moved. */
const DRAGGED_GUILD = 'application/x-gochat-guild';

/**
 * The list (the loose guilds, or one folder) the guild being dragged comes from: a guild moves only
 * within its own list, so the others do not offer themselves as drop targets. (A drag's data cannot
 * be read before the drop, so it is kept here.)
 */
let draggingFrom: string | null = null;

/**
 * A guild of one list of the rail (`list`: the loose guilds, or a folder's): its link, and its menu
 * (also on right-click or the context-menu key) to move it up or down in that list; it can be
 * dragged onto another guild's place in the same list too.
 */
function MovableGuild({
  guild,
  list,
  index,
  count,
  onMove,
}: {
  guild: Guild;
  list: string;
  index: number;
  count: number;
  onMove?: (id: string, toIndex: number) => void;
}) {
  const [menuOpen, setMenuOpen] = useState(false);
  const [dropTarget, setDropTarget] = useState(false);
  if (!onMove)
    return (
      <li>
        <GuildLink guild={guild} />
      </li>
    );
  return (
    <li
      className={dropTarget ? 'guild-item drop-target' : 'guild-item'}
      draggable
      onDragStart={(event) => {
        event.stopPropagation();
        draggingFrom = list;
        event.dataTransfer.setData(DRAGGED_GUILD, guild.id);
        event.dataTransfer.effectAllowed = 'move';
      }}
      onDragEnd={() => (draggingFrom = null)}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes(DRAGGED_GUILD) || draggingFrom !== list) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        setDropTarget(true);
      }}
      onDragLeave={() => setDropTarget(false)}
      onDrop={(event) => {
        setDropTarget(false);
        const id = event.dataTransfer.getData(DRAGGED_GUILD);
        if (!id || draggingFrom !== list) return;
        draggingFrom = null;
        event.preventDefault();
        onMove(id, index);
      }}
    >
      <GuildLink guild={guild} onContextMenu={() => setMenuOpen(true)} />
      <GuildMenu
        name={guild.name}
        open={menuOpen}
        onOpenChange={setMenuOpen}
        position={index}
        items={[
          { label: 'Move up', disabled: index === 0, run: () => onMove(guild.id, index - 1) },
          { label: 'Move down', disabled: index === count - 1, run: () => onMove(guild.id, index + 1) },
        ]}
      />
    </li>
  );
}

/**
 * The viewer's guilds in the rail: their folders first (from the synced settings, so every device
 * shows the same), each with its guilds, then the guilds in no folder, in the viewer's order. With
 * `onReorder`, the guilds in no folder can be moved (menu or drag and drop): it gets the whole new
 * order to save. With `onFoldersChange`, a folder's guilds can be moved within it the same way: it
 * gets the whole folder list to save (settings.guildFolders).
 */
export function GuildRail({
  guilds,
  folders = [],
  order = [],
  onReorder,
  onFoldersChange,
}: {
  guilds: readonly Guild[];
  folders?: readonly RailFolder[];
  order?: readonly string[];
  onReorder?: (order: string[]) => void;
  onFoldersChange?: (folders: (FolderOrder & { guildIds: string[] })[]) => void;
}) {
  const byId = new Map(guilds.map((g) => [g.id, g]));
  const inFolders = new Set<string>();
  const shown = folders
    .map((folder) => {
      const members = folder.guildIds.flatMap((id) => {
        const guild = byId.get(id);
        if (!guild || inFolders.has(id)) return [];
        inFolders.add(id);
        return [guild];
      });
      return { folder, members };
    })
    .filter(({ members }) => members.length > 0);
  const ordered = orderGuilds(guilds, order);
  const loose = ordered.filter((g) => !inFolders.has(g.id));
  const move =
    onReorder &&
    ((id: string, toIndex: number) => {
      const next = reorderGuilds(
        ordered.map((g) => g.id),
        loose.map((g) => g.id),
        id,
        toIndex,
      );
      if (next) onReorder(next);
    });
  const moveInFolder = (folderId: string, members: readonly Guild[]) =>
    onFoldersChange &&
    ((id: string, toIndex: number) => {
      const next = reorderFolderGuilds(
        folders,
        folderId,
        members.map((g) => g.id),
        id,
        toIndex,
      );
      if (next) onFoldersChange(next);
    });
  return (
    <ul>
      {shown.map(({ folder, members }) => (
        <FolderItem
          key={folder.id}
          folder={folder}
          guilds={members}
          onMove={moveInFolder(folder.id, members)}
        />
      ))}
      {loose.map((guild, index) => (
        <MovableGuild
          key={guild.id}
          guild={guild}
          list="loose"
          index={index}
          count={loose.length}
          onMove={move}
        />
      ))}
    </ul>
  );
}
