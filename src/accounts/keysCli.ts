import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { SCOPES } from '../contracts/apiKeySchemas';
import { keyringFromConfig } from '../crypto/keyring';
import type { Scope } from '../db/documents';
import { connectDatabase } from '../db/mongo';
import { createApiKey, ensureProject } from './apiKeys';
import { effectivePlan } from './sendingPlan';

const USAGE = `usage:
  npm run keys -- create --project <id> [--project-name <name>] --name <name> --scopes send,read,admin
                         [--domains a.com,b.com] [--test] [--rate-limit <per minute>]
  npm run keys -- list --project <id>
  npm run keys -- revoke --id <key id>
  npm run keys -- plan --project <id> [--tier new|trusted] [--rate-limit <per minute>]
                       [--daily-quota <n|none>] [--monthly-quota <n|none>] [--contact-limit <n|none>]
                       [--transactional on|off]
Connects to MONGODB_URI. A new project id is created on first use. \`plan\` without options
prints the project's plan; "none" removes a limit.`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/** Operator command line for projects and API keys; prints JSON. */
export async function runKeysCli(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      project: { type: 'string' },
      'project-name': { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      domains: { type: 'string' },
      test: { type: 'boolean', default: false },
      'rate-limit': { type: 'string' },
      id: { type: 'string' },
      tier: { type: 'string' },
      'daily-quota': { type: 'string' },
      'monthly-quota': { type: 'string' },
      'contact-limit': { type: 'string' },
      transactional: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (!['create', 'list', 'revoke', 'plan'].includes(command ?? '')) fail('unknown or missing command');
  const config = loadConfig();
  const database = await connectDatabase(config.MONGODB_URI, { keyring: keyringFromConfig(config) });
  const c = database.collections;
  try {
    if (command === 'create') {
      if (!values.project || !values.name || !values.scopes)
        fail('create needs --project, --name and --scopes');
      const scopes = values.scopes.split(',').map((s) => s.trim());
      const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (unknown.length) fail(`unknown scope(s): ${unknown.join(', ')}`);
      const rateLimit = values['rate-limit'] ? Number(values['rate-limit']) : undefined;
      if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0))
        fail('--rate-limit must be a positive integer');
      await ensureProject(c, values.project, values['project-name'] ?? values.project);
      const { key, secret } = await createApiKey(c, {
        projectId: values.project,
        name: values.name,
        scopes: scopes as Scope[],
        domains: values.domains?.split(',').map((d) => d.trim()),
        testMode: values.test,
        rateLimitPerMinute: rateLimit,
      });
      console.log(
        JSON.stringify(
          { id: key._id, project: key.project_id, scopes: key.scopes, test_mode: key.test_mode, secret },
          null,
          2,
        ),
      );
    } else if (command === 'list') {
      if (!values.project) fail('list needs --project');
      const keys = await c.apiKeys.find({ project_id: values.project }).sort({ created_at: 1 }).toArray();
      for (const k of keys) {
        console.log(
          JSON.stringify({
            id: k._id,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes,
            revoked: Boolean(k.revoked_at),
          }),
        );
      }
    } else if (command === 'plan') {
      if (!values.project) fail('plan needs --project');
      const project = await c.projects.findOne({ _id: values.project });
      if (!project) fail(`no project ${values.project}`);
      const update = planUpdate(values);
      if (Object.keys(update.$set).length || Object.keys(update.$unset).length) {
        await c.projects.updateOne(
          { _id: values.project },
          {
            ...(Object.keys(update.$set).length ? { $set: update.$set } : {}),
            ...(Object.keys(update.$unset).length ? { $unset: update.$unset } : {}),
          },
        );
      }
      const updated = await c.projects.findOne({ _id: values.project });
      console.log(JSON.stringify({ project: values.project, plan: effectivePlan(updated) }, null, 2));
    } else {
      if (!values.id) fail('revoke needs --id');
      const r = await c.apiKeys.updateOne(
        { _id: values.id, revoked_at: { $exists: false } },
        { $set: { revoked_at: new Date() } },
      );
      if (r.matchedCount === 0) fail(`no live key ${values.id}`);
      console.log(JSON.stringify({ id: values.id, revoked: true }));
    }
  } finally {
    await database.close();
  }
}

/** The plan fields the options change: a number sets a limit, `none` removes it. */
function planUpdate(values: Record<string, string | boolean | undefined>) {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, ''> = {};
  const limit = (option: string, field: string) => {
    const value = values[option];
    if (value === undefined) return;
    if (value === 'none') {
      $unset[`plan.${field}`] = '';
      return;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) fail(`--${option} must be a whole number or none`);
    $set[`plan.${field}`] = n;
  };
  limit('rate-limit', 'rate_limit_per_minute');
  limit('daily-quota', 'daily_quota');
  limit('monthly-quota', 'monthly_quota');
  limit('contact-limit', 'contact_limit');
  if (values.tier !== undefined) {
    if (values.tier !== 'new' && values.tier !== 'trusted') fail('--tier must be new or trusted');
    $set['plan.tier'] = values.tier;
  }
  if (values.transactional !== undefined) {
    if (values.transactional !== 'on' && values.transactional !== 'off')
      fail('--transactional must be on or off');
    $set['plan.transactional_enabled'] = values.transactional === 'on';
  }
  return { $set, $unset };
}

if (require.main === module) {
  runKeysCli(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
