import { aliasIndices, type Context } from './context.ts';
import { errorType } from './errors.ts';
import { indexBody, indexTemplate, messageMappings } from './mapping.ts';
import { concreteIndex } from './names.ts';

/**
 * Run at start, by every process, concurrently or not: puts the index template (a plain overwrite,
 * so a newer release's template wins) and, on a cluster without the alias, creates the first
 * concrete index with the alias on it (is_write_index, so writes through the alias are well defined
 * even while a rebuild briefly puts a second index under it).
 */
export async function ensureIndex(context: Context): Promise<void> {
  const { client, names, shape, log } = context;
  await client.indices.putIndexTemplate({ name: names.prefix, body: indexTemplate(names.prefix, shape) });

  const live = await aliasIndices(context, names.alias);
  if (live.length > 0) {
    await addNewFields(context);
    return;
  }
  const index = concreteIndex(names, Date.now());
  try {
    await client.indices.create({
      index,
      body: { ...indexBody(shape), aliases: { [names.alias]: { is_write_index: true } } },
    });
    log.info({ index, alias: names.alias }, 'created the search index');
  } catch (error) {
    // Another process won the race: its index (with the alias) is as good as ours. Creating ours
    // failed as a whole (same name: already exists; other name: a second write index is refused).
    if ((await aliasIndices(context, names.alias)).length > 0) {
      log.info({ alias: names.alias, type: errorType(error) }, 'search index created by another process');
      return;
    }
    throw error;
  }
}

/**
 * Fields added in a newer release reach the live index's mapping without a rebuild; changes to
 * existing fields or to analysis cannot, and need `gochat reindex` (logged, not fatal: the index
 * still serves what it has).
 */
async function addNewFields(context: Context): Promise<void> {
  try {
    await context.client.indices.putMapping({ index: context.names.alias, body: messageMappings() });
  } catch (error) {
    context.log.warn(
      { alias: context.names.alias, type: errorType(error) },
      'the search index mapping is out of date: run a full reindex',
    );
  }
}
