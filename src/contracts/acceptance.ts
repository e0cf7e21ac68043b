/**
 * Acceptance starts a message's workflow before it stores the message, so a crash in between
 * leaves either nothing or a workflow that will run. The workflow waits this long for its
 * message to appear and then ends without a trace in the database.
 */
export const MESSAGE_STORE_WAIT_MS = 10 * 60_000;

/** The API stores a message only this soon after starting its workflow: well inside the wait. */
export const MESSAGE_STORE_DEADLINE_MS = 60_000;

/** Failure type of a workflow whose message was never stored (its acceptance was withdrawn). */
export const ACCEPTANCE_WITHDRAWN = 'acceptance_withdrawn';
