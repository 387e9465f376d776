import { useAcceptInviteMutation, useCreateGuildMutation } from '@gochat/react';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate } from 'react-router';

import { ErrorText } from '../errors.tsx';

function Dialog({ label, children }: { label: string; children: (close: () => void) => ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        onClick={() => {
          setOpen(true);
          ref.current?.showModal();
        }}
      >
        {label}
      </button>
      <dialog ref={ref} aria-label={label} onClose={() => setOpen(false)}>
        {open &&
          children(() => {
            ref.current?.close();
            setOpen(false);
          })}
      </dialog>
    </>
  );
}

export function CreateGuildButton() {
  return <Dialog label="Create guild">{(close) => <CreateGuildForm close={close} />}</Dialog>;
}

function CreateGuildForm({ close }: { close: () => void }) {
  const [name, setName] = useState('');
  const navigate = useNavigate();
  const [create, { loading, error }] = useCreateGuildMutation({ refetchQueries: ['MyGuilds'] });
  async function submit(event: FormEvent) {
    event.preventDefault();
    const { data } = await create({ variables: { input: { name } } }).catch(() => ({ data: undefined }));
    if (!data?.createGuild) return;
    close();
    void navigate(`/guilds/${data.createGuild.id}`);
  }
  return (
    <form onSubmit={(event) => void submit(event)}>
      <label>
        Guild name
        <input required autoFocus value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <ErrorText error={error} />
      <button type="submit" disabled={loading}>
        Create
      </button>
      <button type="button" onClick={close}>
        Cancel
      </button>
    </form>
  );
}

export function JoinGuildButton() {
  return <Dialog label="Join guild">{(close) => <JoinGuildForm close={close} />}</Dialog>;
}

function JoinGuildForm({ close }: { close: () => void }) {
  const [code, setCode] = useState('');
  const navigate = useNavigate();
  const [accept, { loading, error }] = useAcceptInviteMutation({ refetchQueries: ['MyGuilds'] });
  async function submit(event: FormEvent) {
    event.preventDefault();
    // Accept a pasted link as well as a bare code.
    const bare = code.trim().split('/').pop() ?? '';
    const { data } = await accept({ variables: { code: bare } }).catch(() => ({ data: undefined }));
    if (!data?.acceptInvite) return;
    close();
    void navigate(`/guilds/${data.acceptInvite.id}`);
  }
  return (
    <form onSubmit={(event) => void submit(event)}>
      <label>
        Invite code
        <input required autoFocus value={code} onChange={(e) => setCode(e.target.value)} />
      </label>
      <ErrorText error={error} />
      <button type="submit" disabled={loading}>
        Join
      </button>
      <button type="button" onClick={close}>
        Cancel
      </button>
    </form>
  );
}
