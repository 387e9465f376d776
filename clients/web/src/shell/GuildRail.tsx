import type { MyGuildsQuery } from '@gochat/react';
import { useState } from 'react';
import { NavLink } from 'react-router';

import { Avatar } from '../media/Avatar.tsx';

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

/** Guilds in the viewer's order (guildOrder first, the rest as the API lists them). */
export function orderGuilds(guilds: readonly Guild[], order: readonly string[]): Guild[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  return guilds
    .map((guild, i) => ({ guild, i }))
    .sort(
      (a, b) => (rank.get(a.guild.id) ?? order.length + a.i) - (rank.get(b.guild.id) ?? order.length + b.i),
    )
    .map(({ guild }) => guild);
}

function GuildLink({ guild }: { guild: Guild }) {
  return (
    <NavLink to={`/guilds/${guild.id}`} className="guild-link">
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

/** A folder in the rail: its name in its colour, opening and closing on this device only. */
function FolderItem({ folder, guilds }: { folder: RailFolder; guilds: Guild[] }) {
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
          {guilds.map((guild) => (
            <li key={guild.id}>
              <GuildLink guild={guild} />
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/**
 * The viewer's guilds in the rail: their folders first (from the synced settings, so every device
 * shows the same), each with its guilds, then the guilds in no folder, in the viewer's order.
 */
export function GuildRail({
  guilds,
  folders = [],
  order = [],
}: {
  guilds: readonly Guild[];
  folders?: readonly RailFolder[];
  order?: readonly string[];
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
  const loose = orderGuilds(guilds, order).filter((g) => !inFolders.has(g.id));
  return (
    <ul>
      {shown.map(({ folder, members }) => (
        <FolderItem key={folder.id} folder={folder} guilds={members} />
      ))}
      {loose.map((guild) => (
        <li key={guild.id}>
          <GuildLink guild={guild} />
        </li>
      ))}
    </ul>
  );
}
