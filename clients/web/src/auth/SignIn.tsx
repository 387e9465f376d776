import { useGoChat, useSignInMutation } from '@gochat/react';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { Field } from './Field.tsx';

export function SignIn() {
  const gochat = useGoChat();
  const [signIn, { loading, error }] = useSignInMutation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const ended = gochat.session.lastEndReason;
  const [params] = useSearchParams();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { data } = await signIn({ variables: { input: { email, password } } }).catch(() => ({
      data: undefined,
    }));
    const session = data?.signIn;
    if (session)
      gochat.signIn({
        sessionToken: session.sessionToken,
        jwt: session.jwt,
        jwtExpiresAt: session.jwtExpiresAt,
      });
  }

  return (
    <main className="auth">
      <h1>Sign in to GoChat</h1>
      {params.get('verified') && <p role="status">Your e-mail is verified: sign in.</p>}
      {ended && ended !== 'signed-out' && <p role="status">Your session ended. Please sign in again.</p>}
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Email" type="email" autoComplete="email" value={email} onChange={setEmail} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <ErrorText error={error} />
        <button type="submit" disabled={loading}>
          Sign in
        </button>
      </form>
      <p>
        <Link to="/reset-password">Forgot password?</Link> · <Link to="/sign-up">Create an account</Link>
      </p>
    </main>
  );
}
