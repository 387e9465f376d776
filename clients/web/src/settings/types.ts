import type { MySettingsQuery } from '@gochat/react';

/** The viewer's synced settings as the screens read them (UserSettingsFields). */
export type Settings = MySettingsQuery['mySettings'];
