import { useEffect, useState } from 'preact/hooks';
import { api, type Page, type Session } from '../api';
import { CopyButton, ErrorLine, when } from '../format';
import { useAction } from '../useAction';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
}

interface Delivery {
  id: string;
  event: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: {
    at: string;
    status_code: number | null;
    error: string | null;
    response_excerpt: string | null;
  }[];
  next_attempt_at: string | null;
  created_at: string;
}

function Deliveries(props: { webhook: Webhook; canAct: boolean }) {
  const [rows, setRows] = useState<Delivery[]>([]);
  const { error, setError, run } = useAction();
  const load = () =>
    api<Page<Delivery>>('GET', `/v1/webhooks/${props.webhook.id}/deliveries`).then(
      (p) => setRows(p.data),
      setError,
    );
  useEffect(() => {
    load();
  }, [props.webhook.id]);
  return (
    <div class="deliveries">
      <ErrorLine error={error} />
      <table>
        <thead>
          <tr>
            <th>Created</th>
            <th>Event</th>
            <th>Status</th>
            <th>Last answer</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => {
            const last = d.attempts[d.attempts.length - 1];
            return (
              <tr key={d.id} data-delivery-id={d.id} data-status={d.status}>
                <td>{when(d.created_at)}</td>
                <td>{d.event}</td>
                <td>
                  <span class={`badge delivery-${d.status}`}>{d.status}</span> {d.attempts.length} attempt(s)
                </td>
                <td class="smtp">
                  {last
                    ? [last.status_code, last.error, last.response_excerpt].filter(Boolean).join(' ')
                    : ''}
                </td>
                <td>
                  {props.canAct && d.status === 'failed' ? (
                    <button
                      type="button"
                      class="small"
                      onClick={() =>
                        run(async () => {
                          await api('POST', `/v1/webhooks/deliveries/${d.id}/retry`);
                          await load();
                        })
                      }
                    >
                      Replay
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length === 0 ? <p class="empty">No deliveries yet.</p> : null}
      <button type="button" class="small secondary" onClick={load}>
        Refresh
      </button>
    </div>
  );
}

export function WebhooksPage(props: { session: Session }) {
  const isAdmin = props.session.scopes.includes('admin');
  const [hooks, setHooks] = useState<Webhook[]>([]);
  const [open, setOpen] = useState<string>();
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string>();
  const { error, setError, submit } = useAction();
  const load = () => api<Page<Webhook>>('GET', '/v1/webhooks').then((p) => setHooks(p.data), setError);
  useEffect(() => {
    load();
  }, []);
  return (
    <section>
      <h1>Webhooks</h1>
      {isAdmin ? (
        <form
          class="inline"
          onSubmit={submit(async () => {
            const created = await api<Webhook & { secret: string }>('POST', '/v1/webhooks', {
              url: url.trim(),
            });
            setSecret(created.secret);
            setUrl('');
            await load();
          })}
        >
          <input
            type="url"
            name="url"
            placeholder="https://example.com/hooks/sendflow"
            aria-label="Endpoint URL"
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
            required
          />
          <button type="submit">Add endpoint</button>
        </form>
      ) : null}
      {secret ? (
        <p class="notice">
          Signing secret (shown once): <code>{secret}</code> <CopyButton value={secret} />
        </p>
      ) : null}
      <ErrorLine error={error} />
      {hooks.map((h) => (
        <article key={h.id} class="card" data-webhook-id={h.id}>
          <h2>{h.url}</h2>
          <p>
            {h.enabled ? 'enabled' : `disabled${h.disabled_reason ? ` (${h.disabled_reason})` : ''}`} ·
            events: {h.events.join(', ')} · since {when(h.created_at)}
          </p>
          <button
            type="button"
            class="small secondary"
            onClick={() => setOpen(open === h.id ? undefined : h.id)}
          >
            {open === h.id ? 'Hide deliveries' : 'Recent deliveries'}
          </button>
          {open === h.id ? <Deliveries webhook={h} canAct={isAdmin} /> : null}
        </article>
      ))}
      {hooks.length === 0 && !error ? <p class="empty">No endpoints.</p> : null}
    </section>
  );
}
