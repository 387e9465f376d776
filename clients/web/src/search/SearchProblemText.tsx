import type { SearchProblem } from './problem.ts';

/** The error, and the query with the offending token marked. */
export function SearchProblemText({ id, problem }: { id: string; problem: SearchProblem }) {
  const { query, start, end } = problem;
  return (
    <div id={id} role="alert" className="error search-problem">
      <p>{problem.message}</p>
      {start !== null && end !== null && (
        <p className="search-problem-query">
          <span>{query.slice(0, start)}</span>
          <mark className="bad-token">{query.slice(start, end) || ' '}</mark>
          <span>{query.slice(end)}</span>
        </p>
      )}
    </div>
  );
}
