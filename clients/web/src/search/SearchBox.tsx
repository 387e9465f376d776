import { useId, useRef, useState, type KeyboardEvent } from 'react';

import { suggest, type SearchChannel, type SearchMember, type Suggestion } from './suggestions.ts';
import './search.css';

/**
 * The search box of a guild's header: Discord's query syntax, with a list of suggestions for the
 * token at the caret (filter keys, members, channels). Arrow keys move through the suggestions,
 * Enter or Tab picks one, Escape closes them; Enter with nothing picked searches.
 */
export function SearchBox({
  value,
  onChange,
  onSearch,
  members,
  channels,
  invalid,
  describedBy,
}: {
  value: string;
  onChange: (value: string) => void;
  onSearch: (query: string) => void;
  members: readonly SearchMember[];
  channels: readonly SearchChannel[];
  /** The last search failed because of the query. */
  invalid: boolean;
  /** The id of the element that says why. */
  describedBy: string | undefined;
}) {
  const inputId = useId();
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [caret, setCaret] = useState(0);
  const [showing, setShowing] = useState(false);
  /** The suggestion moved to with the arrow keys; -1: none yet. */
  const [selected, setSelected] = useState(-1);
  const suggestions = showing ? suggest(value, caret, members, channels) : null;
  const items = suggestions?.items ?? [];
  const activeIndex =
    items.length === 0
      ? -1
      : selected >= 0
        ? Math.min(selected, items.length - 1)
        : suggestions?.autoSelect
          ? 0
          : -1;
  const active = activeIndex >= 0 ? items[activeIndex] : undefined;
  const optionId = (item: Suggestion) => `${listId}-${item.id.replace(/[^\w-]/g, '_')}`;

  function edit(next: string, position: number) {
    onChange(next);
    setCaret(position);
    setSelected(-1);
    setShowing(true);
  }

  function choose(item: Suggestion) {
    edit(item.query, item.cursor);
    requestAnimationFrame(() => input.current?.setSelectionRange(item.cursor, item.cursor));
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (items.length > 0 && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const from = activeIndex < 0 ? (step > 0 ? -1 : items.length) : activeIndex;
      setSelected((from + step + items.length) % items.length);
      return;
    }
    if (event.key === 'Tab' && items.length > 0 && !event.shiftKey) {
      event.preventDefault();
      choose(active ?? items[0]!);
      return;
    }
    if (event.key === 'Enter') {
      event.preventDefault();
      if (active) {
        choose(active);
        return;
      }
      setShowing(false);
      onSearch(value);
      return;
    }
    if (event.key === 'Escape' && items.length > 0) {
      event.preventDefault();
      setShowing(false);
    }
  }

  const expanded = items.length > 0;
  return (
    <div role="search" className="search-box">
      <label htmlFor={inputId} className="visually-hidden">
        Search messages
      </label>
      <input
        ref={input}
        id={inputId}
        type="text"
        role="combobox"
        placeholder="Search"
        autoComplete="off"
        spellCheck={false}
        value={value}
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={active ? optionId(active) : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(event) =>
          edit(event.target.value, event.target.selectionStart ?? event.target.value.length)
        }
        onSelect={(event) => setCaret(event.currentTarget.selectionStart ?? 0)}
        onKeyDown={onKeyDown}
        onFocus={() => setShowing(true)}
        onBlur={() => setShowing(false)}
      />
      <div className="search-suggestions" hidden={!expanded}>
        {suggestions && <p className="search-suggestions-heading">{suggestions.heading}</p>}
        <ul id={listId} role="listbox" aria-label="Search suggestions">
          {items.map((item) => (
            <li
              key={item.id}
              id={optionId(item)}
              role="option"
              aria-selected={item === active}
              // Not a click: the input would lose focus (and the list) before it lands.
              onMouseDown={(event) => {
                event.preventDefault();
                choose(item);
              }}
            >
              <span className="label">{item.label}</span>
              {item.detail && <span className="detail"> {item.detail}</span>}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
