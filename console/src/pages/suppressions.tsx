import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Page, query, type Session } from '../api';
import { ErrorLine, when } from '../format';
import { Link } from '../router';
import { useAction } from '../useAction';

interface Suppression {
  recipient: string;
  reason: string;
  source_message_id: string | null;
  created_at: string;
}

export function SuppressionsPage(props: { session: Session }) {
  const canAct = props.session.scopes.includes('send') || props.session.scopes.includes('admin');
  const [rows, setRows] = useState<Suppression[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [search, setSearch] = useState('');
  const [address, setAddress] = useState('');
  const { error, setError, run, submit } = useAction();
  const [searched, setSearched] = useState<string>();

  const load = async (cursor?: string) => {
    setError(undefined);
    try {
      const page = await api<Page<Suppression>>('GET', `/v1/suppressions${query({ reason, cursor })}`);
      setRows((r) => (cursor ? [...r, ...page.data] : page.data));
      setNext(page.next_cursor);
      setSearched(undefined);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
  }, [reason]);

  return (
    <section>
      <h1>Suppressions</h1>
      <p class="hint">
        Addresses no mail goes to: hard bounces, complaints, unsubscribes and your own additions.
      </p>
      <form
        class="filters"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          const wanted = search.trim();
          if (!wanted) return load();
          try {
            const one = await api<Suppression>('GET', `/v1/suppressions/${encodeURIComponent(wanted)}`);
            setRows([one]);
            setNext(null);
            setSearched(undefined);
          } catch (err) {
            if (err instanceof ApiError && err.status === 404) {
              setRows([]);
              setSearched(wanted);
            } else setError(err);
          }
        }}
      >
        <input
          type="search"
          name="search"
          placeholder="Address"
          aria-label="Search address"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        <select aria-label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
          <option value="">Any reason</option>
          <option value="hard_bounce">hard bounce</option>
          <option value="complaint">complaint</option>
          <option value="user_unsubscribed">unsubscribed</option>
          <option value="manual">manual</option>
        </select>
        <button type="submit">Search</button>
      </form>
      {canAct ? (
        <form
          class="inline"
          onSubmit={submit(async () => {
            await api('POST', '/v1/suppressions', { recipient: address.trim(), reason: 'manual' });
            setAddress('');
            await load();
          })}
        >
          <input
            type="email"
            name="add"
            placeholder="address@example.com"
            aria-label="Address to suppress"
            value={address}
            onInput={(e) => setAddress(e.currentTarget.value)}
            required
          />
          <button type="submit">Suppress</button>
        </form>
      ) : null}
      <ErrorLine error={error} />
      {searched ? <p class="empty">{searched} is not suppressed.</p> : null}
      <table class="suppressions">
        <thead>
          <tr>
            <th>Address</th>
            <th>Reason</th>
            <th>Since</th>
            <th>Message</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.recipient} data-recipient={s.recipient}>
              <td>{s.recipient}</td>
              <td>{s.reason}</td>
              <td>{when(s.created_at)}</td>
              <td>
                {s.source_message_id ? (
                  <Link href={`/console/messages/${s.source_message_id}`}>{s.source_message_id}</Link>
                ) : null}
              </td>
              <td>
                {canAct ? (
                  <button
                    type="button"
                    class="small danger"
                    onClick={() =>
                      run(async () => {
                        await api('DELETE', `/v1/suppressions/${encodeURIComponent(s.recipient)}`);
                        setRows((r) => r.filter((x) => x.recipient !== s.recipient));
                      })
                    }
                  >
                    Remove
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !searched && !error ? <p class="empty">No suppressions.</p> : null}
      {next ? (
        <button type="button" class="secondary" onClick={() => load(next)}>
          More
        </button>
      ) : null}
    </section>
  );
}
