import { useRequestPasswordResetMutation, useResetPasswordMutation } from '@gochat/react';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { Field } from './Field.tsx';

/** Without a token: asks for the e-mail. With `?token=` from the mail: sets the new password. */
export function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get('token');
  return <main className="auth">{token ? <SetPassword token={token} /> : <RequestReset />}</main>;
}

function RequestReset() {
  const [request, { loading, error, data }] = useRequestPasswordResetMutation();
  const [email, setEmail] = useState('');
  if (data) return <p>Check your e-mail: if {email} has an account, a reset link is on its way.</p>;
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        request({ variables: { email } }).catch(() => {});
      }}
    >
      <h1>Reset your password</h1>
      <Field label="Email" type="email" value={email} onChange={setEmail} />
      <ErrorText error={error} />
      <button type="submit" disabled={loading}>
        Send reset link
      </button>
      <Link to="/sign-in">Back to sign in</Link>
    </form>
  );
}

function SetPassword({ token }: { token: string }) {
  const [reset, { loading, error }] = useResetPasswordMutation();
  const [password, setPassword] = useState('');
  const navigate = useNavigate();
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        reset({ variables: { token, newPassword: password } })
          .then(() => navigate('/sign-in', { replace: true }))
          .catch(() => {});
      }}
    >
      <h1>Choose a new password</h1>
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
      />
      <ErrorText error={error} />
      <button type="submit" disabled={loading}>
        Set password
      </button>
    </form>
  );
}
