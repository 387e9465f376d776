import type { Highlight } from '@gochat/search';

/** A message as this subgraph returns it: a reference the messages subgraph resolves. */
export interface MessageRef {
  id: string;
  channelId: string;
}

export interface SearchResultRow {
  message: MessageRef;
  highlights: Highlight[];
}

export interface SearchResultPageRow {
  results: SearchResultRow[];
  total: number;
  totalIsExact: boolean;
  nextCursor: string | null;
}
