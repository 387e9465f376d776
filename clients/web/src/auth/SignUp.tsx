import { useSignUpMutation } from '@gochat/react';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { Field } from './Field.tsx';

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
        <Field label="Email" type="email" autoComplete="email" value={email} onChange={setEmail} />
        <Field label="Display name" value={displayName} onChange={setDisplayName} />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
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
