import { segments } from './marked.ts';

/** Text with its matched ranges in <mark>: rendered as React text nodes, never as HTML. */
export function Marked({
  text,
  ranges,
  className,
}: {
  text: string;
  ranges: readonly (readonly number[])[];
  className?: string;
}) {
  return (
    <span className={className}>
      {segments(text, ranges).map((piece, i) =>
        piece.marked ? <mark key={i}>{piece.text}</mark> : <span key={i}>{piece.text}</span>,
      )}
    </span>
  );
}
