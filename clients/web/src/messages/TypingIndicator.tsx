import { useDisplayNames, useTypingUsers } from '@gochat/react';

export function TypingIndicator({ channelId }: { channelId: string }) {
  const nameOf = useDisplayNames();
  const names = useTypingUsers(channelId).map(nameOf);
  const text =
    names.length === 0
      ? ''
      : names.length === 1
        ? `${names[0]} is typing…`
        : names.length < 4
          ? `${names.join(', ')} are typing…`
          : 'Several people are typing…';
  return (
    <div role="status" aria-label="Typing" className="typing">
      {text}
    </div>
  );
}
