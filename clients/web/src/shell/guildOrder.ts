/**
 * The viewer's whole guild order (settings.guildOrder) after moving one guild of the rail's loose
 * list (the guilds in no folder, as shown) to `toIndex` in that list; null when nothing moves. Guilds
 * in folders keep their places in the order: the loose guilds take the loose guilds' places, in the
 * new order. (The same holds for any list and the part of it shown: reorderFolderGuilds uses it.)
 */
export function reorderGuilds(
  all: readonly string[],
  loose: readonly string[],
  id: string,
  toIndex: number,
): string[] | null {
  const from = loose.indexOf(id);
  if (from < 0 || toIndex < 0 || toIndex >= loose.length || from === toIndex) return null;
  const moved = loose.filter((g) => g !== id);
  moved.splice(toIndex, 0, id);
  const isLoose = new Set(loose);
  let next = 0;
  return all.map((g) => (isLoose.has(g) ? moved[next++]! : g));
}

/** A folder as the settings save it (GuildFolderInput): the API replaces the whole list. */
export interface FolderOrder {
  id: string;
  name: string | null;
  color: number | null;
  guildIds: readonly string[];
}

/**
 * The viewer's folders after moving one guild of folder `folderId`, among the guilds the rail shows
 * there (`shown`: the folder's guilds the viewer is still in, as listed), to `toIndex`; null when
 * nothing moves (same place, out of range, another folder's guild). The folder's other ids (guilds
 * the viewer left) keep their places, as the guilds in folders do in reorderGuilds; the other folders
 * are unchanged.
 */
export function reorderFolderGuilds(
  folders: readonly FolderOrder[],
  folderId: string,
  shown: readonly string[],
  id: string,
  toIndex: number,
): (FolderOrder & { guildIds: string[] })[] | null {
  const folder = folders.find((f) => f.id === folderId);
  if (!folder || !folder.guildIds.includes(id)) return null;
  const guildIds = reorderGuilds(folder.guildIds, shown, id, toIndex);
  if (!guildIds) return null;
  return folders.map((f) => ({
    id: f.id,
    name: f.name,
    color: f.color,
    guildIds: f.id === folderId ? guildIds : [...f.guildIds],
  }));
}
