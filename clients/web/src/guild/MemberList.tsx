import {
  useGoChat,
  useGuildMembersQuery,
  useOpenDirectMessageMutation,
  useMemberPresence,
  usePresence,
  type MemberFieldsFragment,
} from '@gochat/react';
import { useNavigate } from 'react-router';

import { ErrorText } from '../errors.tsx';
import { Avatar } from '../media/Avatar.tsx';
import { useViewer } from '../shell/viewer.ts';

/** The guild's first 100 members, each with their presence (memberPresence keeps it current). */
export function MemberList({ guildId }: { guildId: string }) {
  const { data } = useGuildMembersQuery({ variables: { guildId, first: 100 } });
  const members = data?.guildMembers.nodes ?? [];
  useMemberPresence(
    guildId,
    members.map((m) => m.user.id),
  );
  return (
    <aside aria-label="Members" className="members">
      <h2>Members</h2>
      <ul>
        {data?.guildMembers.nodes.map((member) => (
          <Member key={member.user.id} member={member} />
        ))}
      </ul>
    </aside>
  );
}

function Member({ member }: { member: MemberFieldsFragment }) {
  const { viewerId } = useGoChat();
  const presence = usePresence(member.user.id);
  const navigate = useNavigate();
  const [open, { error }] = useOpenDirectMessageMutation({ refetchQueries: ['MyDirectChannels'] });
  const viewerAvatar = useViewer()?.avatarUrl;
  const name = member.nickname ?? member.user.displayName;
  // Their avatar in this guild, else (for the viewer, whose own is known) their own avatar.
  const avatar = member.avatarUrl ?? (member.user.id === viewerId ? viewerAvatar : null);
  return (
    <li className={`member ${presence}`}>
      <span className="dot" aria-hidden="true" />
      <Avatar name={name} url={avatar} size={24} className="member-avatar" />{' '}
      <span className="name">{name}</span> <span className="presence">{presence}</span>
      {member.user.id !== viewerId && (
        <button
          type="button"
          className="dm"
          aria-label={`Message ${name}`}
          onClick={() =>
            void open({ variables: { userId: member.user.id } })
              .then(({ data }) => data && navigate(`/dms/${data.openDirectMessage.id}`))
              .catch(() => {})
          }
        >
          ✉
        </button>
      )}
      <ErrorText error={error} />
    </li>
  );
}
