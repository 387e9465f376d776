import {
  MyDataExportDocument,
  useDeleteAccountMutation,
  useGoChat,
  type MyDataExportQuery,
} from '@gochat/react';
import { useId, useState, type FormEvent } from 'react';

import { CurrentPasswordField } from '../auth/Field.tsx';
import { ErrorText } from '../errors.tsx';

/** Saves text as a file through a temporary link (no server round trip for the download itself). */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * The account's data export (myDataExport: profile, settings, relationships, then every page of the
 * viewer's own messages) as one JSON file, and the account's deletion, confirmed with the password.
 */
export function AccountTab() {
  return (
    <>
      <DataExport />
      <DeleteAccount />
    </>
  );
}

function DataExport() {
  const headingId = useId();
  const { apollo } = useGoChat();
  const [state, setState] = useState<{ busy: boolean; count: number; error?: unknown; done?: boolean }>({
    busy: false,
    count: 0,
  });
  const run = async () => {
    setState({ busy: true, count: 0 });
    try {
      let before: string | null = null;
      let first: { generatedAt: string; account: string } | null = null;
      const messages: unknown[] = [];
      do {
        const { data }: { data?: MyDataExportQuery } = await apollo.query({
          query: MyDataExportDocument,
          variables: { before },
          fetchPolicy: 'network-only',
        });
        if (!data) throw new Error('The export could not be read.');
        const page: MyDataExportQuery['myDataExport'] = data.myDataExport;
        first ??= { generatedAt: page.generatedAt, account: page.account };
        messages.push(...page.messages.messages);
        before = page.messages.nextBefore ?? null;
        setState({ busy: true, count: messages.length });
      } while (before);
      const body = { generatedAt: first.generatedAt, ...(JSON.parse(first.account) as object), messages };
      download(`gochat-data-${first.generatedAt.slice(0, 10)}.json`, JSON.stringify(body, null, 2));
      setState({ busy: false, count: messages.length, done: true });
    } catch (error) {
      setState({ busy: false, count: 0, error });
    }
  };
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Your data</h3>
      <p className="hint">
        A JSON file of your profile, settings, friends and blocks, and every message you sent.
      </p>
      <button type="button" disabled={state.busy} onClick={() => void run()}>
        {state.busy ? `Preparing… ${state.count} messages` : 'Download my data'}
      </button>
      {state.done && <p role="status">Downloaded, with {state.count} messages.</p>}
      <ErrorText error={state.error} />
    </section>
  );
}

function DeleteAccount() {
  const headingId = useId();
  const gochat = useGoChat();
  const [remove, state] = useDeleteAccountMutation();
  const [password, setPassword] = useState('');
  const [sure, setSure] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data } = await remove({ variables: { password } }).catch(() => ({ data: undefined }));
    // The account is gone and its sessions with it: back to the sign-in page.
    if (data?.deleteAccount) gochat.signOut();
  };
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>Delete account</h3>
      <p className="hint">
        Your profile, friends and settings are erased for good; your messages stay, shown as from “Deleted
        User”. Transfer or delete the guilds you own first. Download your data before, if you want it.
      </p>
      <form className="settings-form" onSubmit={(event) => void submit(event)}>
        <CurrentPasswordField value={password} onChange={setPassword} />
        <label className="checkbox">
          <input type="checkbox" checked={sure} onChange={(event) => setSure(event.target.checked)} />I
          understand this cannot be undone
        </label>
        <ErrorText error={state.error} />
        <button type="submit" className="danger" disabled={!sure || state.loading}>
          Delete my account
        </button>
      </form>
    </section>
  );
}
