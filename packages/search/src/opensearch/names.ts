/**
 * Index and alias names under one prefix (config `search.opensearch.index`, default
 * 'gochat-messages'):
 *   <prefix>           the alias every search reads and every live write goes to (is_write_index)
 *   <prefix>-<ms>      concrete indices, named after their creation (or a full rebuild's start) time
 *   <prefix>-building  during a full rebuild, the alias of the index being built
 * Clients never name a concrete index: a full rebuild swaps the alias without anyone noticing.
 */
export interface IndexNames {
  prefix: string;
  alias: string;
  building: string;
}

/** Index names: lowercase, no leading `-`, `_` or `+`, none of `\/*?"<>| ,#:`. Kept simpler here. */
const PREFIX = /^[a-z0-9][a-z0-9_-]{0,200}$/;

export function indexNames(prefix: string): IndexNames {
  if (!PREFIX.test(prefix))
    throw new RangeError('search index: the index prefix must be lowercase letters, digits, _ and -');
  return { prefix, alias: prefix, building: `${prefix}-building` };
}

export function concreteIndex(names: IndexNames, at: Date | number): string {
  return `${names.prefix}-${typeof at === 'number' ? at : at.getTime()}`;
}

/** True for a concrete index this code created under the prefix (never anything else is deleted). */
export function isConcreteIndex(names: IndexNames, index: string): boolean {
  return index.startsWith(`${names.prefix}-`) && /^\d+$/.test(index.slice(names.prefix.length + 1));
}
