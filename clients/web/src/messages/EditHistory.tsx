import { useMessageQuery } from '@gochat/react';

import { ErrorText } from '../errors.tsx';

/** Earlier versions of a message, oldest first, read when asked for (edits evict it). */
export function EditHistory({ channelId, messageId }: { channelId: string; messageId: string }) {
  const { data, error } = useMessageQuery({ variables: { channelId, id: messageId } });
  return (
    <div className="history" role="region" aria-label="Edit history">
      <ErrorText error={error} />
      <ol>
        {data?.message.editHistory.map((version) => (
          <li key={version.writtenAt}>
            <time dateTime={version.writtenAt}>{new Date(version.writtenAt).toLocaleString()}</time>:{' '}
            {version.content}
          </li>
        ))}
      </ol>
    </div>
  );
}
