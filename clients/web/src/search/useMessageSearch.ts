import { SearchMessagesDocument, useGoChat, type SearchMessagesQuery, type SearchSort } from '@gochat/react';
import { parseSearch } from '@gochat/search-syntax';
import { useCallback, useRef, useState } from 'react';

import { searchProblem, type SearchProblem } from './problem.ts';

export type SearchHit = SearchMessagesQuery['searchMessages']['results'][number];

const PAGE = 25;

export interface MessageSearch {
  /** What the box holds (kept here, so it survives the channel view being replaced). */
  text: string;
  setText: (text: string) => void;
  /** Whether the results panel is open: from the first search until closed. */
  open: boolean;
  /** The query the results are for. */
  query: string;
  sort: SearchSort;
  hits: readonly SearchHit[];
  total: number;
  totalIsExact: boolean;
  hasMore: boolean;
  loading: boolean;
  problem: SearchProblem | null;
  /** Searches for the box's text (or `query`), from the first page. */
  run: (query?: string) => void;
  setSort: (sort: SearchSort) => void;
  loadMore: () => void;
  close: () => void;
}

interface Results {
  query: string;
  sort: SearchSort;
  hits: SearchHit[];
  total: number;
  totalIsExact: boolean;
  nextCursor: string | null;
  loading: boolean;
  problem: SearchProblem | null;
}

interface State {
  guildId: string;
  text: string;
  open: boolean;
  results: Results;
}

const EMPTY: Results = {
  query: '',
  sort: 'NEWEST',
  hits: [],
  total: 0,
  totalIsExact: true,
  nextCursor: null,
  loading: false,
  problem: null,
};

const fresh = (guildId: string): State => ({ guildId, text: '', open: false, results: EMPTY });

/**
 * A guild's message search: the box's text, the pages read so far ("load more" follows
 * nextCursor), and the error of the last search. Only the newest request's answer is kept, so a
 * slow page never overwrites a newer search. Syntax errors are found here before anything is sent.
 */
export function useMessageSearch(guildId: string): MessageSearch {
  const { apollo } = useGoChat();
  const [state, setState] = useState(() => fresh(guildId));
  const latest = useRef(0);
  // Another guild: start afresh.
  const current = state.guildId === guildId ? state : fresh(guildId);
  /** Changes this guild's state (never another's, which a late answer may be for). */
  const change = useCallback(
    (next: (s: State) => State) => setState((s) => next(s.guildId === guildId ? s : fresh(guildId))),
    [guildId],
  );

  const fetchPage = useCallback(
    (query: string, sort: SearchSort, after: string | null, previous: SearchHit[]) => {
      const request = ++latest.current;
      const update = (next: (results: Results) => Results) =>
        change((s) => (request === latest.current ? { ...s, results: next(s.results) } : s));
      void apollo
        .query({
          query: SearchMessagesDocument,
          variables: { guildId, query, sort, limit: PAGE, ...(after ? { after } : {}) },
          // Pages of one search are kept here; the index changes, so never answer from a cache.
          fetchPolicy: 'no-cache',
        })
        .then(({ data }) => {
          const page = data?.searchMessages;
          if (!page) return;
          const seen = new Set(previous.map((hit) => hit.message.id));
          update(() => ({
            query,
            sort,
            hits: [...previous, ...page.results.filter((hit) => !seen.has(hit.message.id))],
            total: page.total,
            totalIsExact: page.totalIsExact,
            nextCursor: page.nextCursor ?? null,
            loading: false,
            problem: null,
          }));
        })
        .catch((error: unknown) =>
          update((results) => ({ ...results, loading: false, problem: searchProblem(query, error) })),
        );
    },
    [apollo, guildId, change],
  );

  const start = (query: string, sort: SearchSort) => {
    const trimmed = query.trim();
    if (!trimmed) return;
    let problem: SearchProblem | null = null;
    try {
      parseSearch(query);
    } catch (error) {
      problem = searchProblem(query, error);
    }
    if (problem) latest.current++; // a search still on its way is no longer wanted
    change((s) => ({ ...s, open: true, results: { ...EMPTY, query, sort, loading: !problem, problem } }));
    if (!problem) fetchPage(query, sort, null, []);
  };

  const { results } = current;
  return {
    text: current.text,
    setText: (text) => change((s) => ({ ...s, text })),
    open: current.open,
    query: results.query,
    sort: results.sort,
    hits: results.hits,
    total: results.total,
    totalIsExact: results.totalIsExact,
    hasMore: results.nextCursor !== null,
    loading: results.loading,
    problem: results.problem,
    run: (query = current.text) => start(query, results.sort),
    setSort: (sort) => (results.query ? start(results.query, sort) : undefined),
    loadMore: () => {
      if (!results.nextCursor || results.loading) return;
      change((s) => ({ ...s, results: { ...s.results, loading: true } }));
      fetchPage(results.query, results.sort, results.nextCursor, results.hits);
    },
    close: () => {
      latest.current++;
      change((s) => ({ ...s, open: false, results: EMPTY }));
    },
  };
}
