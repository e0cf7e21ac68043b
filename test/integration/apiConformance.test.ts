import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { provisionTools } from '../../devtools/localServices';
import { createApiKey } from '../../src/accounts/apiKeys';
import { startTestStack, type TestStack } from '../support/testStack';

const CONFIG = path.join(__dirname, '..', 'conformance', 'schemathesis.toml');
// A fixed seed and time budget: the same requests on every run, bounded in time.
const SEED = '20261201';
const BUDGET_SECONDS = '90';

describe('the API against its own OpenAPI document (schemathesis)', () => {
  let stack: TestStack;
  let st: string;
  let workDir: string;
  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'sendflow-schemathesis-'));
    st = provisionTools('schemathesis').schemathesis as string;
    // The fuzzer sends thousands of requests, some without a key on purpose.
    stack = await startTestStack({ SENDFLOW_FAILED_AUTH_PER_MINUTE: '1000000' });
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('answers every generated request without a 5xx and as the document says', async () => {
    const { secret } = await createApiKey(stack.database.collections, {
      projectId: stack.projectId,
      name: 'conformance',
      scopes: ['admin'],
      rateLimitPerMinute: 1_000_000,
    });
    const args = [
      '--config-file',
      CONFIG,
      'run',
      `${stack.baseUrl}/openapi.json`,
      '--header',
      `Authorization: Bearer ${secret}`,
      '--checks',
      'all',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-time',
      BUDGET_SECONDS,
      '--seed',
      SEED,
      '--workers',
      '2',
      '--no-color',
      '--request-timeout',
      '30',
    ];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      // Its working directory takes schemathesis's caches, away from the repository.
      const child = spawn(st, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.once('close', (c) => resolve({ code: c, output: out }));
    });
    const summary = output.slice(output.lastIndexOf('SUMMARY') - 40);
    console.log(`schemathesis summary:\n${summary}`);
    if (code !== 0) console.log(output.slice(-30_000));
    expect(code).toBe(0);
  }, 400_000);
});
