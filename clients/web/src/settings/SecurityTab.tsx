import {
  useDisableTwoFactorMutation,
  useEnableTwoFactorMutation,
  useGoChat,
  useMeQuery,
  useRegenerateBackupCodesMutation,
  useVerifyTwoFactorMutation,
  type EnableTwoFactorMutation,
} from '@gochat/react';
import { useId, useState, type FormEvent } from 'react';

import { CurrentPasswordField, Field } from '../auth/Field.tsx';
import { ErrorText } from '../errors.tsx';

type Setup = EnableTwoFactorMutation['enableTwoFactor'];

/** The session to keep from an answered AuthSession (the viewer's user comes into the cache with it). */
const stored = (session: { sessionToken: string; jwt: string; jwtExpiresAt: string } | undefined) =>
  session
    ? { sessionToken: session.sessionToken, jwt: session.jwt, jwtExpiresAt: session.jwtExpiresAt }
    : null;

/**
 * Two-factor sign-in: turned on in two steps (the password gives an authenticator app's setup and
 * backup codes; a code from the app confirms it), and off with the password and a code. Both changes
 * renew the session (better-auth does), so the answered session replaces this browser's; its user
 * (twoFactorEnabled) updates the cached viewer, which switches this screen over. While it is on, new
 * backup codes replace the old ones (the session stays).
 */
export function SecurityTab() {
  const headingId = useId();
  const me = useMeQuery().data?.me;
  const enabled = me?.twoFactorEnabled ?? false;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Two-factor sign-in</h3>
      <p className="hint">
        {enabled
          ? 'On: signing in asks for a code from your authenticator app, or a backup code.'
          : 'Off: signing in needs only your password. Turn it on to also ask for a code from an authenticator app.'}
      </p>
      {enabled ? (
        <>
          <RegenerateBackupCodes />
          <DisableTwoFactor />
        </>
      ) : (
        <EnableTwoFactor />
      )}
    </section>
  );
}

function EnableTwoFactor() {
  const gochat = useGoChat();
  const [enable, enableState] = useEnableTwoFactorMutation();
  const [verify, verifyState] = useVerifyTwoFactorMutation();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [setup, setSetup] = useState<Setup | null>(null);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await enable({ variables: { password } }).catch(() => ({ data: undefined }));
    if (data) {
      setSetup(data.enableTwoFactor);
      setPassword('');
    }
  };
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    void gochat
      .replaceSession(async () => {
        const { data } = await verify({ variables: { code: code.trim() } });
        return { result: null, session: stored(data?.verifyTwoFactor) };
      })
      .catch(() => {});
  };

  if (!setup)
    return (
      <form className="settings-form" onSubmit={(event) => void start(event)}>
        <CurrentPasswordField value={password} onChange={setPassword} />
        <ErrorText error={enableState.error} />
        <button type="submit" disabled={enableState.loading}>
          Set up two-factor sign-in
        </button>
      </form>
    );
  return (
    <div className="settings-form two-factor-setup">
      <p>
        Add this account to your authenticator app with the link below (most apps open it, or scan it as a QR
        code from another device), or type the key by hand.
      </p>
      <p>
        <a href={setup.totpURI} className="otpauth">
          {setup.totpURI}
        </a>
      </p>
      <p>
        Key: <code aria-label="Secret key">{setup.secret}</code>
      </p>
      <h4>Backup codes</h4>
      <p className="hint">
        Each works once when your app is not at hand. Keep them somewhere safe: they are shown only now.
      </p>
      <BackupCodeList codes={setup.backupCodes} />
      <form onSubmit={confirm}>
        <Field
          label="Code from the app"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9 ]{6,7}"
          value={code}
          onChange={setCode}
        />
        <ErrorText error={verifyState.error} />
        <button type="submit" disabled={verifyState.loading}>
          Turn on two-factor sign-in
        </button>
      </form>
    </div>
  );
}

function BackupCodeList({ codes }: { codes: readonly string[] }) {
  return (
    <ul className="backup-codes" aria-label="Backup codes">
      {codes.map((backup) => (
        <li key={backup}>
          <code>{backup}</code>
        </li>
      ))}
    </ul>
  );
}

/** Ten new backup codes for the password, shown once; the old ones stop working at once. */
function RegenerateBackupCodes() {
  const headingId = useId();
  const [regenerate, state] = useRegenerateBackupCodesMutation();
  const [password, setPassword] = useState('');
  const [codes, setCodes] = useState<readonly string[] | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await regenerate({ variables: { password } }).catch(() => ({ data: undefined }));
    if (data) {
      setCodes(data.regenerateBackupCodes);
      setPassword('');
    }
  };
  return (
    <form className="settings-form" aria-labelledby={headingId} onSubmit={(event) => void submit(event)}>
      <h4 id={headingId}>Backup codes</h4>
      {codes ? (
        <>
          <p className="hint">
            Your new backup codes: each works once. Keep them somewhere safe: they are shown only now, and the
            old ones no longer work.
          </p>
          <BackupCodeList codes={codes} />
        </>
      ) : (
        <p className="hint">
          Used up or lost your backup codes? Make ten new ones; the old ones stop working.
        </p>
      )}
      <CurrentPasswordField value={password} onChange={setPassword} />
      <ErrorText error={state.error} />
      <button type="submit" disabled={state.loading}>
        Make new backup codes
      </button>
    </form>
  );
}

function DisableTwoFactor() {
  const gochat = useGoChat();
  const [disable, state] = useDisableTwoFactorMutation();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void gochat
      .replaceSession(async () => {
        const { data } = await disable({ variables: { password, code: code.trim() } });
        return { result: null, session: stored(data?.disableTwoFactor) };
      })
      .catch(() => {});
  };
  return (
    <form className="settings-form" onSubmit={submit}>
      <CurrentPasswordField value={password} onChange={setPassword} />
      <Field
        label="Authenticator or backup code"
        autoComplete="one-time-code"
        value={code}
        onChange={setCode}
      />
      <ErrorText error={state.error} />
      <button type="submit" className="danger" disabled={state.loading}>
        Turn off two-factor sign-in
      </button>
    </form>
  );
}
