import { useEffect } from 'preact/hooks';

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
    const types = [
      'email.scheduled',
      'email.queued',
      'email.accepted',
      'email.deferred',
      'email.unknown',
      'email.delivered',
      'email.bounced',
      'email.suppressed',
      'email.cancelled',
      'email.complained',
      'email.failed',
    ];
    for (const t of types) source.addEventListener(t, handle as EventListener);
    return () => source.close();
  }, deps);
}
