import { useSignUpMutation } from '@gochat/react';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { ErrorText } from '../errors.tsx';

export function SignUp() {
  const [signUp, { loading, error, data }] = useSignUpMutation();
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    signUp({ variables: { input: { email, displayName, password } } }).catch(() => {});
  }

  if (data?.signUp)
    return (
      <main className="auth">
        <h1>Check your e-mail</h1>
        <p>Check your e-mail: we sent a link to {email}. Open it, then sign in.</p>
        <Link to="/sign-in">Sign in</Link>
      </main>
    );
  return (
    <main className="auth">
      <h1>Create a GoChat account</h1>
      <form onSubmit={submit}>
        <label>
          Email
          <input
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Display name
          <input required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorText error={error} />
        <button type="submit" disabled={loading}>
          Create account
        </button>
      </form>
      <p>
        <Link to="/sign-in">I have an account</Link>
      </p>
    </main>
  );
}
