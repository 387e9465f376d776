import { useCreateChannelMutation } from '@gochat/react';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';

import { ErrorText } from '../errors.tsx';

/** A new text channel; the server refuses without MANAGE_CHANNELS, and the refusal is shown. */
export function CreateChannelButton({ guildId }: { guildId: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const navigate = useNavigate();
  const [create, { loading, error }] = useCreateChannelMutation();
  async function submit(event: FormEvent) {
    event.preventDefault();
    const { data } = await create({ variables: { guildId, input: { name } } }).catch(() => ({
      data: undefined,
    }));
    if (!data) return;
    setOpen(false);
    setName('');
    void navigate(`/guilds/${guildId}/${data.createChannel.id}`);
  }
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Create channel
      </button>
    );
  return (
    <form onSubmit={(event) => void submit(event)}>
      <label>
        Channel name
        <input required autoFocus value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <ErrorText error={error} />
      <button type="submit" disabled={loading}>
        Create
      </button>{' '}
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
