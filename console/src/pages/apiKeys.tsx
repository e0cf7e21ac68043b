import { useEffect, useState } from 'preact/hooks';
import { api, type Page, type Session } from '../api';
import { CopyButton, ErrorLine, when } from '../format';
import { useAction } from '../useAction';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  test_mode: boolean;
  created_at: string;
}

const SCOPES = ['send', 'read', 'admin'] as const;

export function ApiKeysPage(props: { session: Session }) {
  const isAdmin = props.session.scopes.includes('admin');
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['send']);
  const [testMode, setTestMode] = useState(false);
  const [secret, setSecret] = useState<string>();
  const { error, setError, run, submit } = useAction();
  const load = () => api<Page<ApiKey>>('GET', '/v1/api-keys').then((p) => setKeys(p.data), setError);
  useEffect(() => {
    if (isAdmin) load();
  }, []);
  if (!isAdmin) return <p class="empty">Managing keys needs an admin key.</p>;
  return (
    <section>
      <h1>API keys</h1>
      <form
        class="inline"
        onSubmit={submit(async () => {
          const created = await api<ApiKey & { secret: string }>('POST', '/v1/api-keys', {
            name: name.trim(),
            scopes,
            test_mode: testMode,
          });
          setSecret(created.secret);
          setName('');
          await load();
        })}
      >
        <input
          name="name"
          placeholder="billing service"
          aria-label="Key name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          required
        />
        {SCOPES.map((s) => (
          <label key={s} class="check">
            <input
              type="checkbox"
              name={`scope-${s}`}
              checked={scopes.includes(s)}
              onChange={(e) =>
                setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))
              }
            />
            {s}
          </label>
        ))}
        <label class="check">
          <input
            type="checkbox"
            name="test_mode"
            checked={testMode}
            onChange={(e) => setTestMode(e.currentTarget.checked)}
          />
          test mode
        </label>
        <button type="submit">Create key</button>
      </form>
      {secret ? (
        <p class="notice secret">
          The new key, shown this once: <code>{secret}</code> <CopyButton value={secret} />
        </p>
      ) : null}
      <ErrorLine error={error} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Scopes</th>
            <th>Mode</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <td>{k.name}</td>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{k.scopes.join(', ')}</td>
              <td>{k.test_mode ? 'test' : 'live'}</td>
              <td>{when(k.created_at)}</td>
              <td>
                <button
                  type="button"
                  class="small danger"
                  onClick={() =>
                    run(async () => {
                      await api('DELETE', `/v1/api-keys/${k.id}`);
                      await load();
                    })
                  }
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
