import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../devtools/localServices';
import { type SmtpSink, startSmtpSink } from '../../devtools/smtpSink';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const base = { from: 'app@acme.test', subject: 'Direct', text: 'Hello from our own MTA' };
const EHLO = 'mta.sendflow.test';

/** A self-signed certificate, as most MX hosts present one that would not verify. */
function selfSignedCertificate(name: string): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mx-tls-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/**
 * Direct delivery against real MX hosts on loopback: a local DNS server answers MX, A and AAAA
 * questions, and SMTP sinks listen on 127.0.0.2, 127.0.0.3 and ::1 on one port
 * (SENDFLOW_MX_PORT), and one offering STARTTLS with a self-signed certificate on 127.0.0.6.
 * 127.0.0.4 and 127.0.0.5 have no listener: a host there refuses connections.
 */
describe('direct delivery to the recipient domain’s MX hosts', () => {
  let stack: TestStack;
  let port: number;
  let mxA: SmtpSink;
  let mxB: SmtpSink;
  let mxV6: SmtpSink;
  let mxTls: SmtpSink;
  beforeAll(async () => {
    port = await freePort();
    [mxA, mxB, mxV6, mxTls] = await Promise.all([
      startSmtpSink({ host: '127.0.0.2', port }),
      startSmtpSink({ host: '127.0.0.3', port }),
      startSmtpSink({ host: '::1', port }),
      startSmtpSink({ host: '127.0.0.6', port, tls: selfSignedCertificate('mx.tls.test') }),
    ]);
    stack = await startTestStack({
      SENDFLOW_ROUTES_ALLOW_PRIVATE: 'true',
      SENDFLOW_DEFAULT_ROUTE: 'mx',
      SENDFLOW_MX_PORT: String(port),
      SENDFLOW_EHLO_NAME: EHLO,
      SENDFLOW_IP_POOLS: 'marketing=127.0.0.12;transactional=127.0.0.10,127.0.0.11',
    });
    // A long first rung: a deferred message stays deferred while the test looks at it.
    await stack.request('PUT', '/v1/delivery-policy', { body: { retry_schedule: ['1h'] } });
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), mxA?.close(), mxB?.close(), mxV6?.close(), mxTls?.close()]);
  });

  const host = (name: string, v4?: string, v6?: string) => {
    if (v4) stack.dns.setA(name, [v4]);
    if (v6) stack.dns.setAaaa(name, [v6]);
  };
  const sendAndSettle = async (recipient: string) => {
    const { messageId, handle } = await stack.sendMessage({ ...base, recipient });
    const message = await stack.waitForStatus(
      messageId,
      ['delivered', 'bounced', 'deferred', 'failed'],
      30_000,
    );
    return { messageId, handle, message: message as Json & { last_smtp: Json } };
  };
  const receivedBy = (sink: SmtpSink, recipient: string) =>
    sink.received.filter((m) => m.envelopeTo.includes(recipient));

  it('delivers to the most preferred MX host, introducing itself with SENDFLOW_EHLO_NAME', async () => {
    stack.dns.setMx('pref.test', [
      { exchange: 'mx-a.pref.test', priority: 20 },
      { exchange: 'mx-b.pref.test', priority: 10 },
    ]);
    host('mx-a.pref.test', '127.0.0.2');
    host('mx-b.pref.test', '127.0.0.3');
    const { message } = await sendAndSettle('ada@pref.test');
    expect(message.status).toBe('delivered');
    expect(message.last_smtp.remote_mta).toBe(`mx-b.pref.test [127.0.0.3]:${port}`);
    expect(receivedBy(mxB, 'ada@pref.test')).toHaveLength(1);
    expect(receivedBy(mxB, 'ada@pref.test')[0].ehloName).toBe(EHLO);
    expect(receivedBy(mxA, 'ada@pref.test')).toHaveLength(0);
  });

  it('moves on to the next MX host when the first refuses connections', async () => {
    stack.dns.setMx('refused.test', [
      { exchange: 'down.refused.test', priority: 10 },
      { exchange: 'up.refused.test', priority: 20 },
    ]);
    host('down.refused.test', '127.0.0.4');
    host('up.refused.test', '127.0.0.2');
    const { message } = await sendAndSettle('bob@refused.test');
    expect(message).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(message.last_smtp.remote_mta).toBe(`up.refused.test [127.0.0.2]:${port}`);
  });

  it("tries a host's IPv6 address, then its IPv4 address, before the next host", async () => {
    stack.dns.setMx('dual.test', [
      { exchange: 'mx.dual.test', priority: 10 },
      { exchange: 'backup.dual.test', priority: 20 },
    ]);
    // Nothing answers on [::1] for this host's turn: the sink there is paused by a 421 greeting.
    host('mx.dual.test', '127.0.0.2', '::1');
    host('backup.dual.test', '127.0.0.3');
    mxV6.greetingReply = { code: 421, message: '4.3.2 Too busy, try another address' };
    try {
      const { message } = await sendAndSettle('cy@dual.test');
      expect(message.status).toBe('delivered');
      expect(message.last_smtp.remote_mta).toBe(`mx.dual.test [127.0.0.2]:${port}`);
      expect(mxV6.connections).toBeGreaterThan(0);
      expect(receivedBy(mxB, 'cy@dual.test')).toHaveLength(0);
    } finally {
      mxV6.greetingReply = undefined;
    }
  });

  it('delivers over IPv6 when the host has an AAAA record', async () => {
    stack.dns.setMx('six.test', [{ exchange: 'mx.six.test', priority: 10 }]);
    host('mx.six.test', '127.0.0.3', '::1');
    const { message } = await sendAndSettle('di@six.test');
    expect(message.status).toBe('delivered');
    expect(message.last_smtp.remote_mta).toBe(`mx.six.test [::1]:${port}`);
    expect(receivedBy(mxV6, 'di@six.test')).toHaveLength(1);
  });

  it('uses the domain’s own address only when it publishes no MX at all', async () => {
    host('nomx.test', '127.0.0.2');
    const { message } = await sendAndSettle('eve@nomx.test');
    expect(message.status).toBe('delivered');
    expect(message.last_smtp.remote_mta).toBe(`nomx.test [127.0.0.2]:${port}`);
  });

  it('bounces hard at once on a null MX, without connecting, and suppresses the address', async () => {
    stack.dns.setMx('nullmx.test', [{ exchange: '', priority: 0 }]);
    host('nullmx.test', '127.0.0.2');
    const before = mxA.connections;
    const { messageId, message } = await sendAndSettle('fay@nullmx.test');
    expect(message).toMatchObject({ status: 'bounced', bounce_type: 'hard', attempts: 1 });
    expect(message.last_smtp).toMatchObject({ code: 556, enhanced_code: '5.1.10' });
    expect(message.bounce_category).toBe('bad_domain');
    expect(mxA.connections).toBe(before);
    const suppressed = await stack.request('GET', '/v1/suppressions/fay@nullmx.test');
    expect(((await suppressed.json()) as Json).reason).toBe('hard_bounce');
    expect(messageId).toBeDefined();
  });

  it('bounces an address whose domain does not exist', async () => {
    const { message } = await sendAndSettle('gus@no-such-domain.test');
    expect(message).toMatchObject({ status: 'bounced', bounce_type: 'hard' });
    expect(message.last_smtp).toMatchObject({ enhanced_code: '5.1.2' });
  });

  it('defers when the MX lookup fails (SERVFAIL), and never falls back to the A record', async () => {
    stack.dns.setFailure('servfail.test', 'servfail', ['MX']);
    host('servfail.test', '127.0.0.2');
    const { messageId, message } = await sendAndSettle('hal@servfail.test');
    expect(message.status).toBe('deferred');
    expect(message.last_smtp).toMatchObject({ code: null, enhanced_code: '4.4.3' });
    expect(String(message.last_smtp.response)).toContain('ESERVFAIL');
    expect(receivedBy(mxA, 'hal@servfail.test')).toHaveLength(0);
    await stack.request('DELETE', `/v1/messages/${messageId}`);
  });

  it('defers when the DNS does not answer at all (timeout)', async () => {
    stack.dns.setFailure('silent.test', 'timeout', ['MX']);
    host('silent.test', '127.0.0.2');
    const { messageId, message } = await sendAndSettle('ida@silent.test');
    expect(message.status).toBe('deferred');
    expect(String(message.last_smtp.response)).toContain('ETIMEOUT');
    expect(receivedBy(mxA, 'ida@silent.test')).toHaveLength(0);
    await stack.request('DELETE', `/v1/messages/${messageId}`);
  });

  it('takes the first 5xx as final: the next MX host is never asked', async () => {
    stack.dns.setMx('rejects.test', [
      { exchange: 'mx1.rejects.test', priority: 10 },
      { exchange: 'mx2.rejects.test', priority: 20 },
    ]);
    host('mx1.rejects.test', '127.0.0.2');
    host('mx2.rejects.test', '127.0.0.3');
    mxA.replyForRecipient('jo@rejects.test', { code: 550, message: '5.1.1 No such user here' });
    const { message } = await sendAndSettle('jo@rejects.test');
    expect(message).toMatchObject({ status: 'bounced', bounce_type: 'hard' });
    expect(message.last_smtp).toMatchObject({ code: 550, enhanced_code: '5.1.1' });
    expect(message.bounce_category).toBe('unknown_user');
    expect(mxB.attemptLog.filter((a) => a.to.includes('jo@rejects.test'))).toHaveLength(0);
  });

  it('defers with the last answer when every MX host fails temporarily', async () => {
    stack.dns.setMx('alldown.test', [
      { exchange: 'mx1.alldown.test', priority: 10 },
      { exchange: 'mx2.alldown.test', priority: 20 },
    ]);
    host('mx1.alldown.test', '127.0.0.4');
    host('mx2.alldown.test', '127.0.0.5');
    const { messageId, message } = await sendAndSettle('kim@alldown.test');
    expect(message.status).toBe('deferred');
    expect(message.last_smtp.remote_mta).toBe(`mx2.alldown.test [127.0.0.5]:${port}`);
    await stack.request('DELETE', `/v1/messages/${messageId}`);
  });

  it('upgrades with STARTTLS when the MX offers it, accepting a self-signed certificate, and records the TLS', async () => {
    stack.dns.setMx('tls.test', [{ exchange: 'mx.tls.test', priority: 10 }]);
    host('mx.tls.test', '127.0.0.6');
    const { messageId, message } = await sendAndSettle('mo@tls.test');
    expect(message.status).toBe('delivered');
    const [mail] = receivedBy(mxTls, 'mo@tls.test');
    expect(mail.secure).toBe(true);
    expect(mail.ehloName).toBe(EHLO);
    expect(message.last_smtp.tls).toEqual({
      version: expect.stringMatching(/^TLSv1\.[23]$/),
      cipher: expect.stringMatching(/^TLS_/),
    });
    const delivered = (message.events as Json[]).find((e) => e.status === 'delivered') as Json;
    expect((delivered.smtp as Json).tls).toEqual(message.last_smtp.tls);
    // A second message reuses the pooled, already upgraded connection and records the same TLS.
    const again = await sendAndSettle('mo2@tls.test');
    expect(again.message.last_smtp.tls).toEqual(message.last_smtp.tls);
    expect(receivedBy(mxTls, 'mo2@tls.test')[0].secure).toBe(true);
    expect(messageId).not.toBe(again.messageId);
  });

  it('records no TLS for an MX that speaks clear text only', async () => {
    stack.dns.setMx('cleartext.test', [{ exchange: 'mx.cleartext.test', priority: 10 }]);
    host('mx.cleartext.test', '127.0.0.3');
    const { message } = await sendAndSettle('pia@cleartext.test');
    expect(message.status).toBe('delivered');
    expect(message.last_smtp.tls).toBeNull();
    expect(receivedBy(mxB, 'pia@cleartext.test')[0].secure).toBe(false);
  });

  it('with a route requiring TLS, defers rather than send in clear text or to an unverified server', async () => {
    const route = await stack.request('POST', '/v1/routes', {
      body: {
        name: 'strict-tls',
        type: 'mx',
        tls: 'required',
        match: { recipient_domains: ['plain.test', 'selfsigned.test'] },
      },
    });
    expect(route.status).toBe(201);
    stack.dns.setMx('plain.test', [{ exchange: 'mx.plain.test', priority: 10 }]);
    host('mx.plain.test', '127.0.0.2');
    stack.dns.setMx('selfsigned.test', [{ exchange: 'mx.tls.test', priority: 10 }]);
    const clear = await sendAndSettle('ned@plain.test');
    expect(clear.message.status).toBe('deferred');
    expect(clear.message.last_smtp.route).toBe('strict-tls');
    expect(receivedBy(mxA, 'ned@plain.test')).toHaveLength(0);
    const unverified = await sendAndSettle('ola@selfsigned.test');
    expect(unverified.message.status).toBe('deferred');
    expect(receivedBy(mxTls, 'ola@selfsigned.test')).toHaveLength(0);
    await stack.request('DELETE', `/v1/messages/${clear.messageId}`);
    await stack.request('DELETE', `/v1/messages/${unverified.messageId}`);
  });

  it('sends from the addresses of the route’s IP pool, direct and through a relay', async () => {
    stack.dns.setMx('pool.test', [{ exchange: 'mx.pool.test', priority: 10 }]);
    host('mx.pool.test', '127.0.0.2');
    const direct = await stack.request('POST', '/v1/routes', {
      body: {
        name: 'bulk-direct',
        type: 'mx',
        ip_pool: 'marketing',
        match: { recipient_domains: ['pool.test'] },
      },
    });
    expect(direct.status).toBe(201);
    expect(await direct.json()).toMatchObject({ ip_pool: 'marketing' });
    const relay = await stack.request('POST', '/v1/routes', {
      body: {
        name: 'otp-relay',
        url: stack.sink.url,
        ip_pool: 'transactional',
        match: { recipient_domains: ['pool-relay.test'] },
      },
    });
    expect(relay.status).toBe(201);
    expect((await sendAndSettle('pia@pool.test')).message.status).toBe('delivered');
    expect(receivedBy(mxA, 'pia@pool.test')[0].remoteAddress).toBe('127.0.0.12');
    expect((await sendAndSettle('quin@pool-relay.test')).message.status).toBe('delivered');
    const viaRelay = stack.sink.received.find((m) => m.envelopeTo.includes('quin@pool-relay.test'));
    expect(['127.0.0.10', '127.0.0.11']).toContain(viaRelay?.remoteAddress);
    const unknown = await stack.request('POST', '/v1/routes', {
      body: { name: 'nowhere', type: 'mx', ip_pool: 'no-such-pool' },
    });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ errors: [{ field: 'ip_pool' }] });
  });

  it('sends from the project’s IP pool (delivery policy) when the route names none', async () => {
    const bad = await stack.request('PUT', '/v1/delivery-policy', {
      body: { retry_schedule: ['1h'], ip_pool: 'no-such-pool' },
    });
    expect(bad.status).toBe(422);
    const policy = await stack.request('PUT', '/v1/delivery-policy', {
      body: { retry_schedule: ['1h'], ip_pool: 'transactional' },
    });
    expect(await policy.json()).toMatchObject({ ip_pool: 'transactional' });
    stack.dns.setMx('projpool.test', [{ exchange: 'mx.projpool.test', priority: 10 }]);
    host('mx.projpool.test', '127.0.0.3');
    try {
      expect((await sendAndSettle('rae@projpool.test')).message.status).toBe('delivered');
      expect(['127.0.0.10', '127.0.0.11']).toContain(receivedBy(mxB, 'rae@projpool.test')[0].remoteAddress);
    } finally {
      await stack.request('PUT', '/v1/delivery-policy', { body: { retry_schedule: ['1h'] } });
    }
  });

  it('lets a named relay route take chosen domains while the rest goes direct', async () => {
    const created = await stack.request('POST', '/v1/routes', {
      body: { name: 'partner-relay', url: stack.sink.url, match: { recipient_domains: ['partner.test'] } },
    });
    expect(created.status).toBe(201);
    const mxRoute = await stack.request('POST', '/v1/routes', {
      body: { name: 'direct', type: 'mx', position: 200 },
    });
    expect(mxRoute.status).toBe(201);
    expect(await mxRoute.json()).toMatchObject({ type: 'mx', url: null });
    const relayed = await sendAndSettle('lee@partner.test');
    expect(relayed.message.status).toBe('delivered');
    expect(relayed.message.last_smtp.route).toBe('partner-relay');
    expect(stack.sink.received.some((m) => m.envelopeTo.includes('lee@partner.test'))).toBe(true);
    const bad = await stack.request('POST', '/v1/routes', {
      body: { name: 'broken', type: 'mx', url: stack.sink.url },
    });
    // Well-formed fields in a combination the API refuses: 422, with the field named.
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: 'validation_failed', errors: [{ field: 'url' }] });
  });
});
