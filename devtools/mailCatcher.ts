import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ReceivedMail, startSmtpSink } from './smtpSink';

interface CaughtMail {
  id: number;
  received_at: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function listPage(mails: CaughtMail[]): string {
  const rows = mails
    .slice()
    .reverse()
    .map(
      (m) =>
        `<tr><td>${m.id}</td><td>${escapeHtml(m.received_at)}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to.join(', '))}</td><td><a href="/messages/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`,
    )
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>Sendflow mail catcher</title><meta http-equiv="refresh" content="5">
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}</style>
<h1>Sendflow mail catcher</h1><p>${mails.length} message(s) caught. JSON: <a href="/api/messages">/api/messages</a></p>
<table><tr><th>#</th><th>received</th><th>from</th><th>to</th><th>subject</th></tr>${rows}</table>`;
}

function messagePage(m: CaughtMail): string {
  const headers = Object.entries(m.headers)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('');
  // The HTML part is shown in a sandboxed frame so its scripts and styles cannot touch this page.
  const html = m.html
    ? `<h2>HTML</h2><iframe sandbox style="width:100%;height:400px;border:1px solid #ccc" srcdoc="${escapeHtml(m.html)}"></iframe>`
    : '';
  return `<!doctype html><meta charset="utf-8"><title>${escapeHtml(m.subject)}</title>
<style>body{font:14px system-ui;margin:2em}th{text-align:left;padding-right:1em;vertical-align:top}</style>
<p><a href="/">&larr; all messages</a></p><h1>${escapeHtml(m.subject)}</h1><table>${headers}</table>${html}<h2>Text</h2><pre>${escapeHtml(m.text)}</pre>`;
}

export interface MailCatcher {
  smtpPort: number;
  httpPort: number;
  close(): Promise<void>;
}

/** A development mail catcher: accepts all mail on SMTP and shows it on a small web page. */
export async function startMailCatcher(opts: {
  smtpPort: number;
  httpPort: number;
  keep?: number;
}): Promise<MailCatcher> {
  const sink = await startSmtpSink({
    port: opts.smtpPort,
    keep: opts.keep ?? 500,
    acceptAnyAuth: true,
    onError: (err) => console.error(`mail catcher: ${err.message}`),
  });
  const caught = (): CaughtMail[] => sink.received.map(caughtMail);

  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://catcher');
    const one = /^\/(api\/)?messages\/(\d+)$/.exec(url.pathname);
    if (url.pathname === '/api/messages') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(caught()));
    } else if (one) {
      const mail = caught().find((m) => m.id === Number(one[2]));
      if (!mail) {
        res.statusCode = 404;
        res.end('not found');
      } else if (one[1]) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(mail));
      } else {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(messagePage(mail));
      }
    } else if (url.pathname === '/') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(listPage(caught()));
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => web.listen(opts.httpPort, '127.0.0.1', resolve));

  return {
    smtpPort: sink.port,
    httpPort: (web.address() as AddressInfo).port,
    close: async () => {
      await sink.close();
      await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}

function caughtMail(m: ReceivedMail): CaughtMail {
  return {
    id: m.id,
    received_at: m.receivedAt.toISOString(),
    from: m.envelopeFrom,
    to: m.envelopeTo,
    subject: m.parsed.subject ?? '',
    text: m.parsed.text ?? '',
    html: m.parsed.html || null,
    headers: Object.fromEntries(
      m.parsed.headerLines.map((h) => [h.key, h.line.slice(h.line.indexOf(':') + 1).trim()]),
    ),
  };
}
