import { useEffect } from 'preact/hooks';
import { eventTypeFor, MESSAGE_STATUSES } from '../../src/contracts/statuses';

/** One event of the project's live stream (GET /v1/events/stream), as the console uses it. */
export interface LiveEvent {
  event: string;
  data: { message_id?: string; status?: string };
}

/** Calls `onEvent` for each event of the project's stream while the page shows. */
export function useLiveEvents(onEvent: (e: LiveEvent) => void, deps: unknown[]): void {
  useEffect(() => {
    const source = new EventSource('/v1/events/stream');
    const handle = (msg: MessageEvent<string>) => onEvent(JSON.parse(msg.data) as LiveEvent);
    // Events are typed (email.delivered, …): listen to the ones about messages.
    for (const t of MESSAGE_STATUSES.map(eventTypeFor)) source.addEventListener(t, handle as EventListener);
    return () => source.close();
  }, deps);
}
