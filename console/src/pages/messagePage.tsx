import { useEffect, useState } from 'preact/hooks';
import { api, type Session } from '../api';
import { ErrorLine, StatusBadge, TestBadge, when } from '../format';
import { useLiveEvents } from '../liveEvents';
import { Link } from '../router';
import { useAction } from '../useAction';
import type { MessageSummary } from './messageLog';

interface Smtp {
  code: number | null;
  enhanced_code: string | null;
  response: string | null;
  remote_mta: string | null;
  route: string | null;
}

interface TimelineEvent {
  id: string;
  event: string;
  status: string;
  created_at: string;
  attempt?: number;
  smtp?: Smtp;
  reason?: string;
  next_attempt_at?: string;
}

interface MessageDetail extends MessageSummary {
  metadata: Record<string, string>;
  html: string | null;
  text: string | null;
  scheduled_time: string | null;
  content_purged_at: string | null;
  attachments: { filename: string; content_type: string; size: number }[];
  workflow_id: string;
  events: TimelineEvent[];
}

const RETRYABLE = ['scheduled', 'deferred', 'unknown'];
const CANCELLABLE = ['scheduled', 'queued', 'accepted', 'deferred', 'unknown'];

interface ConsoleSettings {
  temporal_ui_url: string;
  temporal_namespace: string;
}

// Read once per page load: every message page needs it and it never changes meanwhile.
let settings: Promise<ConsoleSettings> | undefined;

function useTemporalLink(workflowId: string | undefined): string | undefined {
  const [base, setBase] = useState<ConsoleSettings>();
  useEffect(() => {
    settings ??= fetch('/console/settings.json').then((r) => r.json() as Promise<ConsoleSettings>);
    settings.then(setBase, () => undefined);
  }, []);
  if (!base || !workflowId) return undefined;
  return `${base.temporal_ui_url.replace(/\/$/, '')}/namespaces/${encodeURIComponent(base.temporal_namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function MessagePage(props: { id: string; session: Session }) {
  const { id, session } = props;
  const [message, setMessage] = useState<MessageDetail>();
  const { error, setError, run } = useAction();
  const [images, setImages] = useState(false);
  const [notice, setNotice] = useState<string>();
  const canAct = session.scopes.includes('send') || session.scopes.includes('admin');
  const load = () =>
    api<MessageDetail>('GET', `/v1/messages/${encodeURIComponent(id)}`).then(setMessage, setError);
  useEffect(() => {
    setMessage(undefined);
    setImages(false);
    load();
  }, [id]);
  useLiveEvents(
    (e) => {
      if (e.data.message_id === id) load();
    },
    [id],
  );
  const temporal = useTemporalLink(message?.workflow_id);

  const act = (method: string, path: string, done: string) =>
    run(async () => {
      await api(method, path);
      setNotice(done);
      await load();
    });

  if (!message)
    return (
      <section>
        <ErrorLine error={error} />
        {error ? null : <p class="loading">Loading…</p>}
      </section>
    );
  const path = `/v1/messages/${encodeURIComponent(message.message_id)}`;
  return (
    <section class="message">
      <p>
        <Link href="/console">← Messages</Link>
      </p>
      <h1 class="subject">{message.subject || '(no subject)'}</h1>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={message.status} /> <TestBadge test={message.test} /> after {message.attempts}{' '}
          attempt(s)
        </dd>
        <dt>To</dt>
        <dd>{message.recipient}</dd>
        <dt>From</dt>
        <dd>{message.from}</dd>
        <dt>Message id</dt>
        <dd>
          <code>{message.message_id}</code>
        </dd>
        <dt>Created</dt>
        <dd>{when(message.created_at)}</dd>
        {message.scheduled_time ? (
          <>
            <dt>Scheduled for</dt>
            <dd>{when(message.scheduled_time)}</dd>
          </>
        ) : null}
        {message.tags.length ? (
          <>
            <dt>Tags</dt>
            <dd>{message.tags.join(', ')}</dd>
          </>
        ) : null}
      </dl>
      <div class="actions">
        {canAct && RETRYABLE.includes(message.status) ? (
          <button type="button" onClick={() => act('POST', `${path}/retry`, 'Retrying now.')}>
            Retry now
          </button>
        ) : null}
        {canAct && CANCELLABLE.includes(message.status) ? (
          <button type="button" class="danger" onClick={() => act('DELETE', path, 'Cancellation sent.')}>
            Cancel
          </button>
        ) : null}
        {message.content_purged_at ? null : (
          <a class="button secondary" href={`${path}/mime`} download={`${message.message_id}.eml`}>
            Download MIME
          </a>
        )}
        {temporal ? (
          <a class="button secondary" href={temporal} target="_blank" rel="noopener noreferrer">
            Workflow in Temporal UI
          </a>
        ) : null}
      </div>
      {notice ? <p class="notice">{notice}</p> : null}
      <ErrorLine error={error} />

      <h2>Timeline</h2>
      <table class="timeline">
        <thead>
          <tr>
            <th>When</th>
            <th>Event</th>
            <th>Attempt</th>
            <th>Server answer</th>
            <th>Remote host</th>
            <th>Note</th>
          </tr>
        </thead>
        <tbody>
          {message.events.map((e) => (
            <tr key={e.id}>
              <td>{when(e.created_at)}</td>
              <td>
                <StatusBadge status={e.status} />
              </td>
              <td>{e.attempt ?? ''}</td>
              <td class="smtp">
                {e.smtp
                  ? (e.smtp.response ?? [e.smtp.code, e.smtp.enhanced_code].filter(Boolean).join(' '))
                  : ''}
              </td>
              <td>{e.smtp?.remote_mta ?? ''}</td>
              <td>
                {[e.reason, e.next_attempt_at ? `next attempt ${when(e.next_attempt_at)}` : undefined]
                  .filter(Boolean)
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Preview</h2>
      {message.content_purged_at ? (
        <p class="empty">The content was purged (retention).</p>
      ) : (
        <>
          <p class="hint">
            Shown sandboxed: scripts never run; remote images stay blocked until you load them.{' '}
            {images ? null : (
              <button type="button" class="small" onClick={() => setImages(true)}>
                Load remote images
              </button>
            )}
          </p>
          <iframe
            class="preview"
            title="Message preview"
            sandbox=""
            referrerpolicy="no-referrer"
            src={`${path}/preview${images ? '?images=true' : ''}`}
          />
          {message.text ? (
            <>
              <h2>Text part</h2>
              <pre class="text-part">{message.text}</pre>
            </>
          ) : null}
          {message.attachments.length ? (
            <>
              <h2>Attachments</h2>
              <ul>
                {message.attachments.map((a) => (
                  <li key={a.filename}>
                    {a.filename} ({a.content_type}, {a.size} bytes)
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
