import { useEffect, useState } from 'preact/hooks';
import { api, type Page, type Session } from '../api';
import { ErrorLine } from '../format';
import { useAction } from '../useAction';

interface Template {
  id: string;
  name: string;
  subject: string;
  html: string | null;
  text: string | null;
  version: number;
}

interface Rendered {
  subject: string;
  html: string | null;
  text: string | null;
}

/** Edits a template with a preview the API renders as the author types (the unsaved draft). */
function Editor(props: { template: Template; canEdit: boolean; onSaved: () => void }) {
  const t = props.template;
  const [subject, setSubject] = useState(t.subject);
  const [html, setHtml] = useState(t.html ?? '');
  const [text, setText] = useState(t.text ?? '');
  const [data, setData] = useState('{}');
  const [rendered, setRendered] = useState<Rendered>();
  const { error, setError, run } = useAction();
  useEffect(() => {
    const timer = setTimeout(async () => {
      try {
        const templateData = JSON.parse(data || '{}') as Record<string, unknown>;
        const draft = { subject, ...(html ? { html } : {}), ...(text ? { text } : {}) };
        setRendered(
          await api<Rendered>('POST', `/v1/templates/${t.id}/render`, { template_data: templateData, draft }),
        );
        setError(undefined);
      } catch (err) {
        setError(err);
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [subject, html, text, data]);
  return (
    <div class="editor">
      <div class="fields">
        <label>
          Subject
          <input name="subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
        </label>
        <label>
          HTML
          <textarea name="html" rows={12} value={html} onInput={(e) => setHtml(e.currentTarget.value)} />
        </label>
        <label>
          Text
          <textarea name="text" rows={5} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <label>
          Preview data (JSON)
          <textarea name="data" rows={4} value={data} onInput={(e) => setData(e.currentTarget.value)} />
        </label>
        {props.canEdit ? (
          <button
            type="button"
            onClick={() =>
              run(async () => {
                await api('PUT', `/v1/templates/${t.id}`, {
                  subject,
                  html: html || null,
                  text: text || null,
                });
                props.onSaved();
              })
            }
          >
            Save (version {t.version + 1})
          </button>
        ) : null}
        <ErrorLine error={error} />
      </div>
      <div class="rendered">
        <p>
          <strong>Subject:</strong> <span class="rendered-subject">{rendered?.subject}</span>
        </p>
        <iframe class="preview" title="Template preview" sandbox="" srcdoc={rendered?.html ?? ''} />
        {rendered?.text ? <pre class="text-part">{rendered.text}</pre> : null}
      </div>
    </div>
  );
}

export function TemplatesPage(props: { session: Session }) {
  const isAdmin = props.session.scopes.includes('admin');
  const [templates, setTemplates] = useState<Template[]>([]);
  const [open, setOpen] = useState<string>();
  const { error, setError, submit } = useAction();
  const [name, setName] = useState('');
  const load = () => api<Page<Template>>('GET', '/v1/templates').then((p) => setTemplates(p.data), setError);
  useEffect(() => {
    load();
  }, []);
  const current = templates.find((t) => t.id === open);
  return (
    <section>
      <h1>Templates</h1>
      {isAdmin ? (
        <form
          class="inline"
          onSubmit={submit(async () => {
            const t = await api<Template>('POST', '/v1/templates', {
              name: name.trim(),
              subject: 'Hello {{name}}',
              html: '<p>Hello {{name}}</p>',
            });
            setName('');
            await load();
            setOpen(t.id);
          })}
        >
          <input
            name="name"
            placeholder="password-reset"
            aria-label="New template name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            required
          />
          <button type="submit">New template</button>
        </form>
      ) : null}
      <ErrorLine error={error} />
      <ul class="list">
        {templates.map((t) => (
          <li key={t.id}>
            <button
              type="button"
              class={`link${t.id === open ? ' active' : ''}`}
              onClick={() => setOpen(t.id)}
            >
              {t.name}
            </button>{' '}
            v{t.version}
          </li>
        ))}
      </ul>
      {templates.length === 0 && !error ? <p class="empty">No templates.</p> : null}
      {current ? (
        <Editor
          key={`${current.id}:${current.version}`}
          template={current}
          canEdit={isAdmin}
          onSaved={load}
        />
      ) : null}
    </section>
  );
}
