import { CombinedGraphQLErrors } from '@apollo/client/errors';
import {
  MySettingsDocument,
  useMySettingsQuery,
  useUpdateSettingsMutation,
  type UserSettingsPatch,
} from '@gochat/react';
import { useCallback } from 'react';

import { predictSettings } from './optimistic.ts';
import type { Settings } from './types.ts';

export type { Settings } from './types.ts';

/** The version the server holds now, from a CONFLICT's extensions, or null for any other error. */
function conflictVersion(error: unknown): number | null {
  if (!CombinedGraphQLErrors.is(error)) return null;
  const first = error.errors[0];
  const extensions = (first?.extensions ?? {}) as { code?: string; currentVersion?: unknown };
  return extensions.code === 'CONFLICT' && typeof extensions.currentVersion === 'number'
    ? extensions.currentVersion
    : null;
}

/**
 * The screens a change shapes, read again once it is saved: mutes and levels decide the unread
 * badges, hidden DMs leave the list. (Other devices read them again on SettingsUpdated; this one
 * already holds the new version, so the feed's event changes nothing here.)
 */
function shapedBy(patch: UserSettingsPatch): string[] {
  const queries: string[] = [];
  if (patch.guilds || patch.channels) queries.push('Unreads');
  if (patch.hiddenDirectChannels) queries.push('MyDirectChannels', 'Unreads');
  return queries;
}

export interface SettingsHandle {
  /** The synced document, or undefined while it loads. */
  settings: Settings | undefined;
  loading: boolean;
  /** The load's or the last save's error. */
  error: unknown;
  saving: boolean;
  /** Saves a partial change; resolves to whether it was stored. */
  update: (patch: UserSettingsPatch) => Promise<boolean>;
}

/**
 * The viewer's synced settings (mySettings) and a partial save (updateSettings with the version
 * shown). The viewer feed's SettingsUpdated keeps the document current, so every device shows the
 * others' changes; when two devices save at once the later one gets CONFLICT with the version the
 * server holds, and saves its own change again on top of it: each save only names the fields the
 * user just changed, so applying it on the newer version is what the user asked for.
 */
export function useSettings(): SettingsHandle {
  const query = useMySettingsQuery();
  // UserSettings has no id to normalise it by: the answer becomes mySettings itself, so this device
  // shows the new version at once (and the feed's SettingsUpdated for it finds it current).
  const [save, state] = useUpdateSettingsMutation({
    update: (cache, { data }) => {
      if (data)
        cache.writeQuery({
          query: MySettingsDocument,
          data: { __typename: 'Query', mySettings: data.updateSettings },
        });
    },
  });
  const settings = query.data?.mySettings;

  const update = useCallback(
    async (patch: UserSettingsPatch): Promise<boolean> => {
      if (!settings) return false;
      const version = settings.version;
      try {
        await save({
          variables: { patch, expectedVersion: version },
          optimisticResponse: { __typename: 'Mutation', updateSettings: predictSettings(settings, patch) },
          refetchQueries: shapedBy(patch),
        });
        return true;
      } catch (error) {
        const current = conflictVersion(error);
        if (current === null) return false;
        try {
          await save({ variables: { patch, expectedVersion: current }, refetchQueries: shapedBy(patch) });
          return true;
        } catch {
          return false;
        }
      }
    },
    [save, settings],
  );

  return {
    settings,
    loading: query.loading,
    error: query.error ?? state.error,
    saving: state.loading,
    update,
  };
}
