/**
 * Where a worker's durable consumer puts the events it gave up on (decision 0034). Kept apart from
 * the catalogue: a dead letter is the bus's envelope around another event, not a domain event. Its
 * payload is the bus's DeadLetterData (original subject and seq, attempts, error, the event itself).
 */
export const deadLetterSubject = (consumer: string) => `deadletter.${consumer}`;

/** Every worker's dead letters. */
export const DEAD_LETTER_PATTERN = 'deadletter.*';
