import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { startTracing, workflowSpanSinks } from '../../src/observability/tracing';
import { TRACING_INTERCEPTOR_MODULES } from '../../src/worker/workflowBundle';
import { sharedServices } from '../support/stackInfo';

const ROOT = path.join(__dirname, '..', '..');
const HISTORIES = path.join(ROOT, 'test', 'replay', 'histories');

/** Every committed history: one folder per released workflow shape, one file per branch. */
const fixtures = readdirSync(HISTORIES).flatMap((shape) =>
  readdirSync(path.join(HISTORIES, shape))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: `${shape}/${f.replace(/\.json$/, '')}`, file: path.join(HISTORIES, shape, f) })),
);
const load = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

beforeAll(() => {
  // The mutation test makes the core fail workflow tasks on purpose; its warnings are expected.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
});

async function replayAll(workflowBundle: { codePath: string } | { code: string }) {
  const errors = new Map<string, Error | undefined>();
  const histories = fixtures.map(({ name, file }) => ({ workflowId: name, history: load(file) }));
  const sinks = workflowSpanSinks(startTracing('replay', undefined));
  for await (const result of Worker.runReplayHistories({ workflowBundle, sinks }, histories))
    errors.set(result.workflowId, result.error);
  return errors;
}

describe('committed workflow histories', () => {
  it('cover every branch of the message and webhook workflows', () => {
    const branches = new Set(fixtures.map((f) => f.name.split('/')[1]));
    expect([...branches].sort()).toEqual([
      'message-cancelled-during-wait',
      'message-cancelled-while-scheduled',
      'message-deferred-then-delivered',
      'message-delivered-first-time',
      'message-failed',
      'message-hard-bounce',
      'message-paced',
      'message-pushed-by-reconciler',
      'message-rerouted',
      'message-rerun-after-it-ended',
      'message-restarted-by-reconciler',
      'message-retried-now',
      'message-soft-bounce-after-last-rung',
      'message-suppressed',
      'message-suppressed-while-waiting',
      'webhook-failed',
      'webhook-retried-then-delivered',
    ]);
  });

  const expectAllReplay = (errors: Map<string, Error | undefined>) => {
    expect(errors.size).toBe(fixtures.length);
    const failed = [...errors]
      .filter(([, error]) => error)
      .map(([name, error]) => `${name}: ${error?.message}`);
    expect(failed).toEqual([]);
  };

  it('all replay against the current workflow code without a non-determinism error', async () => {
    expectAllReplay(await replayAll({ codePath: sharedServices().workflowBundlePath }));
  });

  it('all replay against the traced bundle (OpenTelemetry workflow interceptors) too', async () => {
    // Workers exporting traces run this bundle, on the same histories.
    const traced = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: TRACING_INTERCEPTOR_MODULES,
      logger: quietLogger,
    });
    expectAllReplay(await replayAll({ code: traced.code }));
  });

  it('fail with a non-determinism error against a workflow that waits before recording a deferral', async () => {
    // A copy of src/ inside the project (so node_modules resolve) with one step moved: the
    // retry wait now comes before the `deferred` status is recorded instead of after it.
    const copy = path.join(ROOT, '.run', 'replay-reordered');
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    cpSync(path.join(ROOT, 'src'), path.join(copy, 'src'), { recursive: true });
    const file = path.join(copy, 'src', 'workflows', 'deliverMessage.ts');
    const source = readFileSync(file, 'utf8');
    const reordered = source
      .replace(
        "await writeStatus(input, { status: 'deferred'",
        "await sleep(delay);\n  await writeStatus(input, { status: 'deferred'",
      )
      .replace(
        /(if \(final\) return final;)\s*state\.phase = 'waiting';\s*const reason = await waitUnlessWoken\([^)]*\);/,
        '$1\n      const reason: string | undefined = undefined;',
      );
    expect(reordered.split('await sleep(delay)').length).toBe(2);
    expect(reordered).not.toMatch(/state\.phase = 'waiting';\s*const reason = await waitUnlessWoken/);
    writeFileSync(file, reordered);
    const bundle = await bundleWorkflowCode({
      workflowsPath: path.join(copy, 'src', 'workflows'),
      logger: quietLogger,
    });

    const errors = await replayAll({ code: bundle.code });
    const deferring =
      /deferred-then-delivered|soft-bounce|suppressed-while-waiting|cancelled-during-wait|retried-now|rerouted|pushed-by-reconciler/;
    const touched = [...errors].filter(([name]) => deferring.test(name));
    expect(touched.length).toBeGreaterThanOrEqual(4);
    for (const [, error] of touched) expect(error).toBeInstanceOf(DeterminismViolationError);
    // Branches that never defer replay as before.
    expect([...errors].filter(([name, error]) => error && !deferring.test(name))).toEqual([]);
    rmSync(copy, { recursive: true, force: true });
  });
});
