/**
 * The viewer's whole guild order (settings.guildOrder) after moving one guild of the rail's loose
 * list (the guilds in no folder, as shown) to `toIndex` in that list; null when nothing moves. Guilds
 * in folders keep their places in the order: the loose guilds take the loose guilds' places, in the
 * new order.
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
