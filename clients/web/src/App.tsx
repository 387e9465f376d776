import { useSignedIn } from '@gochat/react';
import { Navigate, Route, Routes } from 'react-router';

import { ResetPassword } from './auth/ResetPassword.tsx';
import { SignIn } from './auth/SignIn.tsx';
import { SignUp } from './auth/SignUp.tsx';
import { DirectView } from './direct/DirectView.tsx';
import { GuildView } from './guild/GuildView.tsx';
import { Home } from './shell/Home.tsx';
import { Shell } from './shell/Shell.tsx';

/** Routes: the signed-out pages, and the signed-in shell with a guild and channel in the path. */
export function App() {
  const signedIn = useSignedIn();
  if (!signedIn)
    return (
      <Routes>
        <Route path="/sign-up" element={<SignUp />} />
        <Route path="/reset-password" element={<ResetPassword />} />
        <Route path="*" element={<SignIn />} />
      </Routes>
    );
  return (
    <Routes>
      <Route element={<Shell />}>
        <Route index element={<Home />} />
        <Route path="guilds/:guildId/:channelId?" element={<GuildView />} />
        <Route path="guilds/:guildId/:channelId/threads/:threadId" element={<GuildView />} />
        <Route path="dms/:channelId" element={<DirectView />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
