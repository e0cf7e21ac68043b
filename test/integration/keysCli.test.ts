import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startTestStack, type TestStack } from '../support/testStack';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'accounts', 'keysCli.js');

describe('the keys command line', () => {
  let stack: TestStack;
  beforeAll(async () => {
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', path.join(ROOT, 'tsconfig.json')], {
      stdio: 'inherit',
    });
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, MONGODB_URI: stack.config.MONGODB_URI },
      encoding: 'utf8',
    });

  it('creates a project and a working key, lists it, and revokes it', async () => {
    const created = JSON.parse(
      cli(
        'create',
        '--project',
        'proj_cli',
        '--project-name',
        'Shop',
        '--name',
        'backend',
        '--scopes',
        'send,read',
        '--rate-limit',
        '600',
      ),
    ) as { id: string; project: string; secret: string };
    expect(created).toMatchObject({ project: 'proj_cli', scopes: ['send', 'read'], test_mode: false });

    const res = await stack.request('POST', '/v1/messages', {
      key: created.secret,
      body: { from: 'app@acme.test', recipient: 'cli@example.test', subject: 'Hi', text: 'from a CLI key' },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-ratelimit-limit')).toBe('600');

    expect(cli('list', '--project', 'proj_cli')).toContain(created.id);
    expect(JSON.parse(cli('revoke', '--id', created.id))).toEqual({ id: created.id, revoked: true });
    expect((await stack.request('GET', '/v1/messages', { key: created.secret })).status).toBe(401);
  });

  it('explains a bad command instead of doing anything', () => {
    let status = 0;
    let stderr = '';
    try {
      cli('create', '--project', 'proj_cli', '--name', 'x', '--scopes', 'send,everything');
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: string }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/unknown scope\(s\): everything/);
  });

  it("sets a project's plan for operators: tier, rate limit, quotas, contact limit, transactional sending", async () => {
    cli('create', '--project', 'proj_plan', '--name', 'backend', '--scopes', 'send,read');
    const shown = JSON.parse(
      cli(
        'plan',
        '--project',
        'proj_plan',
        '--tier',
        'trusted',
        '--rate-limit',
        '120',
        '--daily-quota',
        '1000',
        '--contact-limit',
        '50',
        '--transactional',
        'off',
      ),
    );
    expect(shown.plan).toMatchObject({
      tier: 'trusted',
      rate_limit_per_minute: 120,
      daily_guideline: 5000,
      daily_quota: 1000,
      monthly_quota: null,
      contact_limit: 50,
      transactional_enabled: false,
    });
    const removed = JSON.parse(
      cli('plan', '--project', 'proj_plan', '--daily-quota', 'none', '--transactional', 'on'),
    );
    expect(removed.plan).toMatchObject({ daily_quota: null, transactional_enabled: true, tier: 'trusted' });
    expect(() => cli('plan', '--project', 'proj_plan', '--tier', 'gold')).toThrow(
      /--tier must be new or trusted/,
    );
  });
});
