import { useEffect, useState } from 'preact/hooks';
import { MESSAGE_STATUSES } from '../../../src/contracts/statuses';
import { api, type Page, query } from '../api';
import { ErrorLine, StatusBadge, TestBadge, when } from '../format';
import { type LiveEvent, useLiveEvents } from '../liveEvents';
import { Link, navigate } from '../router';
import { useAction } from '../useAction';

export interface MessageSummary {
  message_id: string;
  status: string;
  from: string;
  recipient: string;
  subject: string;
  tags: string[];
  attempts: number;
  test: boolean;
  created_at: string;
  updated_at: string;
}

interface Filters {
  recipient: string;
  status: string;
  tag: string;
  after: string;
  before: string;
  mode: '' | 'live' | 'test';
}

const EMPTY: Filters = { recipient: '', status: '', tag: '', after: '', before: '', mode: '' };

/** The message list's query for the filters (date inputs are local days). */
function listQuery(f: Filters, cursor?: string): string {
  return query({
    recipient: f.recipient.trim() || undefined,
    status: f.status || undefined,
    tag: f.tag.trim() || undefined,
    created_after: f.after ? new Date(`${f.after}T00:00:00`).toISOString() : undefined,
    created_before: f.before ? new Date(`${f.before}T23:59:59.999`).toISOString() : undefined,
    test: f.mode === 'test' ? 'true' : f.mode === 'live' ? 'false' : undefined,
    cursor,
  });
}

/** Whether a message the stream announces belongs in the list as filtered. */
function matches(m: MessageSummary, f: Filters): boolean {
  if (f.recipient.trim() && m.recipient !== f.recipient.trim().toLowerCase()) return false;
  if (f.status && m.status !== f.status) return false;
  if (f.tag.trim() && !m.tags.includes(f.tag.trim())) return false;
  if (f.mode && m.test !== (f.mode === 'test')) return false;
  if (f.after && new Date(m.created_at) < new Date(`${f.after}T00:00:00`)) return false;
  if (f.before && new Date(m.created_at) > new Date(`${f.before}T23:59:59.999`)) return false;
  return true;
}

export function MessageLog() {
  const [form, setForm] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [messageId, setMessageId] = useState('');
  const [rows, setRows] = useState<MessageSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const { error, setError, run } = useAction();

  useEffect(() => {
    setError(undefined);
    api<Page<MessageSummary>>('GET', `/v1/messages${listQuery(filters)}`).then((page) => {
      setRows(page.data);
      setNext(page.next_cursor);
    }, setError);
  }, [filters]);

  // New messages appear at the top, status changes in place: the project's live event stream.
  useLiveEvents(
    async (e: LiveEvent) => {
      const id = e.data.message_id;
      if (!id) return;
      const m = await api<MessageSummary>('GET', `/v1/messages/${encodeURIComponent(id)}`).catch(() => null);
      if (!m) return;
      setRows((current) => {
        const at = current.findIndex((r) => r.message_id === id);
        if (at >= 0) {
          const copy = current.slice();
          if (matches(m, filters)) copy[at] = m;
          else copy.splice(at, 1);
          return copy;
        }
        return matches(m, filters) ? [m, ...current] : current;
      });
    },
    [filters],
  );

  const field = (name: keyof Filters) => ({
    name,
    value: form[name],
    onInput: (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <section>
      <h1>Messages</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (messageId.trim()) navigate(`/console/messages/${encodeURIComponent(messageId.trim())}`);
          else setFilters({ ...form });
        }}
      >
        <input type="search" placeholder="Recipient" aria-label="Recipient" {...field('recipient')} />
        <select aria-label="Status" {...field('status')}>
          <option value="">Any status</option>
          {MESSAGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input type="search" placeholder="Tag" aria-label="Tag" {...field('tag')} />
        <label>
          From <input type="date" aria-label="Created from" {...field('after')} />
        </label>
        <label>
          To <input type="date" aria-label="Created to" {...field('before')} />
        </label>
        <select aria-label="Mode" {...field('mode')}>
          <option value="">Live and test</option>
          <option value="live">Live only</option>
          <option value="test">Test only</option>
        </select>
        <input
          type="search"
          name="message_id"
          placeholder="Message id"
          aria-label="Message id"
          value={messageId}
          onInput={(e) => setMessageId(e.currentTarget.value)}
        />
        <button type="submit">Search</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setForm(EMPTY);
            setMessageId('');
            setFilters(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      <ErrorLine error={error} />
      <table class="messages">
        <thead>
          <tr>
            <th>Created</th>
            <th>Status</th>
            <th>Recipient</th>
            <th>Subject</th>
            <th>Tags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.message_id} data-message-id={m.message_id}>
              <td>{when(m.created_at)}</td>
              <td>
                <StatusBadge status={m.status} /> <TestBadge test={m.test} />
              </td>
              <td>
                <Link href={`/console/messages/${m.message_id}`}>{m.recipient}</Link>
              </td>
              <td class="subject">{m.subject}</td>
              <td>{m.tags.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !error ? <p class="empty">No messages match.</p> : null}
      {next ? (
        <button
          type="button"
          class="secondary"
          onClick={() =>
            run(async () => {
              const page = await api<Page<MessageSummary>>('GET', `/v1/messages${listQuery(filters, next)}`);
              setRows((r) => [...r, ...page.data]);
              setNext(page.next_cursor);
            })
          }
        >
          Older messages
        </button>
      ) : null}
    </section>
  );
}
