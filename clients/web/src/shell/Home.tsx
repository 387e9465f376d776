import { useMeQuery } from '@gochat/react';

export function Home() {
  const { data } = useMeQuery();
  return (
    <main className="home">
      <h1>Welcome{data ? `, ${data.me.displayName}` : ''}</h1>
      <p>Pick a guild on the left, create one, or join one with an invite code.</p>
    </main>
  );
}
