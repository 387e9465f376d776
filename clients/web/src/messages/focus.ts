/** A message to show in the history: `key` changes each time it is asked for, to scroll to it again. */
export interface MessageFocus {
  id: string;
  key: string;
}
