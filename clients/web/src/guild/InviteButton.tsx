import { useCreateInviteMutation } from '@gochat/react';

import { ErrorText } from '../errors.tsx';

export function InviteButton({ guildId, channelId }: { guildId: string; channelId: string }) {
  const [create, { data, error, loading }] = useCreateInviteMutation();
  return (
    <div className="invite">
      <button
        type="button"
        disabled={loading}
        onClick={() => void create({ variables: { guildId, input: { channelId } } }).catch(() => {})}
      >
        Create invite
      </button>
      {data?.createInvite && (
        <label>
          Invite code
          <input readOnly value={data.createInvite.code} onFocus={(e) => e.target.select()} />
        </label>
      )}
      <ErrorText error={error} />
    </div>
  );
}
