import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { type RelayServer, startRelayServer } from '../../src/relay/relayServer';
import { selfSignedPair } from '../../src/relay/relayTls';
import { startTestStack, type TestStack } from '../support/testStack';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/**
 * The README's runnable examples: every ```bash block that talks to `$API`. Each curl in them
 * is followed by a `# → <status>` comment saying what it answers.
 */
function runnableBlocks(): string[] {
  return [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes('$API'));
}

function expectedStatuses(blocks: string[]): number[] {
  return blocks.flatMap((block) =>
    block
      .split('\n')
      .filter((line) => /^# → \d{3}\b/.test(line))
      .map((line) => Number(/^# → (\d{3})/.exec(line)?.[1])),
  );
}

// Records every curl's status in order and passes its body on, so pipelines work as pasted.
const CURL_RECORDER = `
curl() {
  local out
  out=$(command curl -sS -w '\\n%{http_code}' "$@") || return 1
  printf '%s\\n' "\${out##*$'\\n'}" >> "$STATUS_LOG"
  printf '%s' "\${out%$'\\n'*}"
}
`;

describe('the README', () => {
  let stack: TestStack;
  let relay: RelayServer;
  let relayCa: string;
  beforeAll(async () => {
    // The README's sender domain, and webhook receivers on this machine, as on the dev stack.
    stack = await startTestStack({
      SENDFLOW_VERIFIED_DOMAINS: 'example.com:*',
      SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    const pair = await selfSignedPair('localhost');
    relayCa = path.join(mkdtempSync(path.join(os.tmpdir(), 'readme-relay-')), 'cert.pem');
    writeFileSync(relayCa, pair.cert);
    relay = await startRelayServer(
      {
        ...stack.acceptanceDeps,
        logger: createLogger('silent', 'readme-relay'),
        tls: { ...pair, selfSigned: true },
      },
      { port: 0, host: '127.0.0.1' },
    );
  });
  afterAll(async () => {
    await relay?.close();
    await stack?.close();
  });

  it('has runnable examples for every endpoint group, each with its expected status', () => {
    const blocks = runnableBlocks();
    const script = blocks.join('\n');
    const curls = (script.match(/\bcurl\b/g) ?? []).length;
    expect(expectedStatuses(blocks)).toHaveLength(curls);
    for (const path of [
      '/v1/messages',
      '/v1/messages/batch',
      '/v1/templates',
      '/v1/api-keys',
      '/v1/domains',
      '/v1/suppressions',
      '/v1/unsubscribes',
      '/v1/routes',
      '/v1/delivery-policy',
      '/v1/events',
      '/v1/webhooks',
      '/v1/analytics',
      '/v1/account',
      '/openapi.json',
      '/healthz',
      '/readyz',
    ])
      expect(script).toContain(`$API${path}`);
  });

  it('answers each example as the README says, run as pasted against the real stack', async () => {
    const blocks = runnableBlocks();
    // The README sets API, KEY and the relay's for the dev stack; the test points them at its own.
    const body = blocks
      .join('\n')
      .split('\n')
      .filter((line) => !/^(API|KEY|RELAY|RELAY_CA)=/.test(line))
      .join('\n');
    const statusLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'readme-')), 'statuses');
    // Asynchronous: the API under test answers from this very process.
    const failure = await new Promise<Error | null>((resolve) => {
      execFile(
        'bash',
        ['-xeuo', 'pipefail', '-c', `${CURL_RECORDER}\n${body}`],
        {
          env: {
            ...process.env,
            API: stack.baseUrl,
            KEY: stack.apiKey,
            RELAY: `smtp://127.0.0.1:${relay.port}`,
            RELAY_CA: relayCa,
            STATUS_LOG: statusLog,
          },
          timeout: 60_000,
        },
        (err, _stdout, stderr) =>
          resolve(err ? new Error(`README examples failed: ${stderr.slice(-3000)}`) : null),
      );
    });
    if (failure) throw failure;
    const statuses = readFileSync(statusLog, 'utf8').trim().split('\n').map(Number);
    expect(statuses).toEqual(expectedStatuses(blocks));
  });
});
