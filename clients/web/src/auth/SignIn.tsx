import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { useGoChat, useSignInMutation, useSignInSecondFactorMutation } from '@gochat/react';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { CurrentPasswordField, Field } from './Field.tsx';

interface Challenge {
  challenge: string;
  methods: readonly string[];
}

export function SignIn() {
  const gochat = useGoChat();
  const [signIn, { loading, error }] = useSignInMutation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const ended = gochat.session.lastEndReason;
  const [params] = useSearchParams();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { data } = await signIn({ variables: { input: { email, password } } }).catch(() => ({
      data: undefined,
    }));
    const result = data?.signIn;
    if (!result) return;
    if (result.__typename === 'SecondFactorRequired') {
      setChallenge({ challenge: result.challenge, methods: result.methods });
      setPassword('');
      return;
    }
    gochat.signIn({ sessionToken: result.sessionToken, jwt: result.jwt, jwtExpiresAt: result.jwtExpiresAt });
  }

  if (challenge) return <SecondFactor challenge={challenge} onRestart={() => setChallenge(null)} />;

  return (
    <main className="auth">
      <h1>Sign in to GoChat</h1>
      {params.get('verified') && <p role="status">Your e-mail is verified: sign in.</p>}
      {ended && ended !== 'signed-out' && <p role="status">Your session ended. Please sign in again.</p>}
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Email" type="email" autoComplete="email" value={email} onChange={setEmail} />
        <CurrentPasswordField value={password} onChange={setPassword} />
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

/** The second step for an account with two-factor sign-in: the authenticator's code or a backup code. */
function SecondFactor({ challenge, onRestart }: { challenge: Challenge; onRestart: () => void }) {
  const gochat = useGoChat();
  const [verify, { loading, error }] = useSignInSecondFactorMutation();
  const [code, setCode] = useState('');
  const backup = challenge.methods.includes('BACKUP_CODE');

  async function submit(event: FormEvent) {
    event.preventDefault();
    const { data } = await verify({ variables: { challenge: challenge.challenge, code: code.trim() } }).catch(
      () => ({ data: undefined }),
    );
    const session = data?.signInSecondFactor;
    if (session)
      gochat.signIn({
        sessionToken: session.sessionToken,
        jwt: session.jwt,
        jwtExpiresAt: session.jwtExpiresAt,
      });
  }

  // An expired or spent challenge cannot take more codes: start again from the password.
  const expired = CombinedGraphQLErrors.is(error) && error.errors[0]?.extensions?.code === 'INVALID_TOKEN';
  return (
    <main className="auth">
      <h1>Two-factor sign-in</h1>
      <p>
        Enter the 6-digit code from your authenticator app
        {backup ? ', or one of your backup codes' : ''}.
      </p>
      <form onSubmit={(event) => void submit(event)}>
        <Field
          label="Authentication code"
          autoComplete="one-time-code"
          autoFocus
          value={code}
          onChange={setCode}
        />
        <ErrorText error={error} />
        <button type="submit" disabled={loading || expired}>
          Verify
        </button>
      </form>
      <p>
        <button type="button" className="secondary" onClick={onRestart}>
          {expired ? 'Sign in again' : 'Back'}
        </button>
      </p>
    </main>
  );
}
