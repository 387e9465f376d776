import type { SearchSort } from '@gochat/react';

import { SearchHitItem } from './SearchHitItem.tsx';
import { SearchProblemText } from './SearchProblemText.tsx';
import type { MessageSearch, SearchHit } from './useMessageSearch.ts';
import './search.css';

const SORTS: { value: SearchSort; label: string }[] = [
  { value: 'NEWEST', label: 'Newest' },
  { value: 'OLDEST', label: 'Oldest' },
  { value: 'RELEVANCE', label: 'Most relevant' },
];

/** "1 result", "12 results", or "100+ results" when the server only knows a lower bound. */
export function countText(total: number, exact: boolean): string {
  return `${total}${exact ? '' : '+'} ${total === 1 && exact ? 'result' : 'results'}`;
}

/** The results panel beside the channel: the count, the hits as a list, "load more", or the error. */
export function SearchResults({
  guildId,
  search,
  problemId,
  onOpen,
}: {
  guildId: string;
  search: MessageSearch;
  /** The id the search box points at for its error. */
  problemId: string;
  onOpen: (hit: SearchHit) => void;
}) {
  const { hits, loading, problem } = search;
  const firstPage = loading && hits.length === 0;
  return (
    <aside className="search-results" aria-label="Search results" aria-busy={loading}>
      <header>
        <h2>Search</h2>
        <label className="search-sort">
          <span className="visually-hidden">Sort results</span>
          <select value={search.sort} onChange={(event) => search.setSort(event.target.value as SearchSort)}>
            {SORTS.map((sort) => (
              <option key={sort.value} value={sort.value}>
                {sort.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="close" aria-label="Close search" onClick={search.close}>
          ×
        </button>
      </header>
      {problem && <SearchProblemText id={problemId} problem={problem} />}
      {!problem && (
        <p role="status" className="search-count">
          {firstPage ? 'Searching…' : countText(search.total, search.totalIsExact)}
        </p>
      )}
      {hits.length > 0 && (
        <ol className="search-hits">
          {hits.map((hit) => (
            <li key={hit.message.id}>
              <SearchHitItem guildId={guildId} hit={hit} onOpen={onOpen} />
            </li>
          ))}
        </ol>
      )}
      {!firstPage && !problem && hits.length === 0 && <p className="empty">No messages match.</p>}
      {search.hasMore && (
        <button type="button" className="load-more" disabled={loading} onClick={search.loadMore}>
          {loading ? 'Loading…' : 'Load more results'}
        </button>
      )}
    </aside>
  );
}
