import { skipToken, useGuildMembersQuery, type ChannelFieldsFragment } from '@gochat/react';

import { SearchBox } from './SearchBox.tsx';
import type { SearchChannel, SearchMember } from './suggestions.ts';
import type { MessageSearch } from './useMessageSearch.ts';

/**
 * The search box of a guild, suggesting its members (the first 100, the member list's own query)
 * and its text channels.
 */
export function GuildSearchBox({
  guildId,
  channels,
  search,
  problemId,
}: {
  guildId: string;
  channels: readonly ChannelFieldsFragment[];
  search: MessageSearch;
  problemId: string;
}) {
  const { data } = useGuildMembersQuery(guildId ? { variables: { guildId, first: 100 } } : skipToken);
  const members: SearchMember[] = (data?.guildMembers.nodes ?? []).map((m) => ({
    id: m.user.id,
    displayName: m.user.displayName,
    nickname: m.nickname ?? null,
    handle: m.user.handle ?? null,
  }));
  const textChannels: SearchChannel[] = channels.flatMap((c) =>
    c.kind === 'TEXT' && c.name ? [{ id: c.id, name: c.name }] : [],
  );
  const queryProblem = typeof search.problem?.start === 'number';
  return (
    <SearchBox
      value={search.text}
      onChange={search.setText}
      onSearch={(query) => search.run(query)}
      members={members}
      channels={textChannels}
      invalid={queryProblem}
      describedBy={search.open && search.problem ? problemId : undefined}
    />
  );
}
