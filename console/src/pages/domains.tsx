import { useEffect, useState } from 'preact/hooks';
import { api, type Page, type Session } from '../api';
import { CopyButton, ErrorLine, when } from '../format';
import { useAction } from '../useAction';

interface Domain {
  id: string;
  name: string;
  status: 'pending' | 'verified';
  records: { purpose: string; type: string; name: string; value: string }[];
  verified_at: string | null;
  last_check: { at: string; verification_txt: boolean; dkim_txt: boolean; error?: string } | null;
}

export function DomainsPage(props: { session: Session }) {
  const isAdmin = props.session.scopes.includes('admin');
  const [domains, setDomains] = useState<Domain[]>([]);
  const [name, setName] = useState('');
  const { error, setError, run, submit } = useAction();
  const load = () => api<Page<Domain>>('GET', '/v1/domains').then((p) => setDomains(p.data), setError);
  useEffect(() => {
    load();
  }, []);
  return (
    <section>
      <h1>Sender domains</h1>
      <p class="hint">Publish the TXT records at your DNS provider, then verify.</p>
      {isAdmin ? (
        <form
          class="inline"
          onSubmit={submit(async () => {
            await api('POST', '/v1/domains', { name: name.trim() });
            setName('');
            await load();
          })}
        >
          <input
            name="domain"
            placeholder="mail.example.com"
            aria-label="Domain"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            required
          />
          <button type="submit">Add domain</button>
        </form>
      ) : null}
      <ErrorLine error={error} />
      {domains.map((d) => (
        <article key={d.id} class="card" data-domain={d.name}>
          <h2>
            {d.name} <span class={`badge domain-${d.status}`}>{d.status}</span>
          </h2>
          <table>
            <thead>
              <tr>
                <th>Purpose</th>
                <th>Type</th>
                <th>Name</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {d.records.map((r) => (
                <tr key={r.name}>
                  <td>{r.purpose}</td>
                  <td>{r.type}</td>
                  <td>
                    <code>{r.name}</code> <CopyButton value={r.name} />
                  </td>
                  <td class="record-value">
                    <code>{r.value}</code> <CopyButton value={r.value} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            {d.last_check
              ? `Last check ${when(d.last_check.at)}: verification TXT ${d.last_check.verification_txt ? 'found' : 'missing'}, DKIM TXT ${d.last_check.dkim_txt ? 'found' : 'missing'}${d.last_check.error ? ` (${d.last_check.error})` : ''}`
              : 'Not checked yet.'}{' '}
            {isAdmin ? (
              <button
                type="button"
                class="small"
                onClick={() =>
                  run(async () => {
                    await api('POST', `/v1/domains/${d.id}/verify`);
                    await load();
                  })
                }
              >
                Verify
              </button>
            ) : null}
          </p>
        </article>
      ))}
      {domains.length === 0 && !error ? <p class="empty">No sender domains.</p> : null}
    </section>
  );
}
