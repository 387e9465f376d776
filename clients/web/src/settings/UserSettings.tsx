import { useState } from 'react';

import { AccountTab } from './AccountTab.tsx';
import { AppearanceTab } from './AppearanceTab.tsx';
import { DevicesTab } from './DevicesTab.tsx';
import { FoldersTab } from './FoldersTab.tsx';
import { NotificationsTab } from './NotificationsTab.tsx';
import { ProfileTab } from './ProfileTab.tsx';
import { SecurityTab } from './SecurityTab.tsx';
import { SessionsTab } from './SessionsTab.tsx';
import { SoundsTab } from './SoundsTab.tsx';
import { Tabs, type Tab } from './Tabs.tsx';
import './settings.css';

const TABS = [
  { id: 'profile', label: 'Profile' },
  { id: 'notifications', label: 'Notifications' },
  { id: 'folders', label: 'Folders' },
  { id: 'appearance', label: 'Appearance' },
  { id: 'devices', label: 'Voice & video' },
  { id: 'sounds', label: 'Sounds' },
  { id: 'security', label: 'Security' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'account', label: 'Account' },
] as const satisfies readonly Tab[];

type TabId = (typeof TABS)[number]['id'];

const PANELS: Record<TabId, () => React.JSX.Element> = {
  profile: ProfileTab,
  notifications: NotificationsTab,
  folders: FoldersTab,
  appearance: AppearanceTab,
  devices: DevicesTab,
  sounds: SoundsTab,
  security: SecurityTab,
  sessions: SessionsTab,
  account: AccountTab,
};

/** The viewer's settings, one tab per area. Loaded on the first open of "User settings" (React.lazy). */
export function UserSettings({ close }: { close: () => void }) {
  const [tab, setTab] = useState<TabId>('profile');
  const Panel = PANELS[tab];
  return (
    <div className="settings-body user-settings">
      <h2>User settings</h2>
      <Tabs label="Settings" tabs={TABS} selected={tab} onSelect={(id) => setTab(id as TabId)}>
        <Panel />
      </Tabs>
      <p className="dialog-actions">
        <button type="button" onClick={close}>
          Close
        </button>
      </p>
    </div>
  );
}
