import { MAX_RESTARTS, reconcileRule } from '../../src/operations/reconciliation';

const now = new Date('2026-12-01T12:00:00Z');
const MARGIN = 10 * 60_000;
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const deferred = { status: 'deferred' as const, attempts: 1, next_attempt_at: ago(30) };
const rule = (
  m: Parameters<typeof reconcileRule>[0],
  state: Parameters<typeof reconcileRule>[1],
  rungs = 3,
) => reconcileRule(m, state, now, MARGIN, rungs);

describe('the reconciler rule', () => {
  it('pushes a running workflow whose deferred wait is overdue by more than the margin', () => {
    expect(rule(deferred, { state: 'running' })).toEqual({
      kind: 'push',
      reason: `reconciler: next attempt overdue since ${ago(30).toISOString()}`,
    });
  });

  it('leaves a running workflow alone while its wait is due within the margin or ahead', () => {
    expect(rule({ ...deferred, next_attempt_at: ago(5) }, { state: 'running' })).toEqual({ kind: 'none' });
    expect(rule({ ...deferred, next_attempt_at: ago(-60) }, { state: 'running' })).toEqual({ kind: 'none' });
    // Queued or paced messages have no wait to be late for.
    expect(rule({ status: 'queued', attempts: 0 }, { state: 'running' })).toEqual({ kind: 'none' });
  });

  it('pushes a scheduled message whose time passed by more than the margin', () => {
    expect(
      rule({ status: 'scheduled', attempts: 0, scheduled_time: ago(11) }, { state: 'running' }),
    ).toMatchObject({
      kind: 'push',
    });
  });

  it('finishes what Temporal closed on purpose', () => {
    expect(rule(deferred, { state: 'terminated' })).toEqual({
      kind: 'finish',
      status: 'failed',
      reason: 'workflow_terminated',
    });
    expect(rule(deferred, { state: 'cancelled' })).toMatchObject({ kind: 'finish', status: 'cancelled' });
    expect(rule(deferred, { state: 'completed', result: 'delivered' })).toMatchObject({
      kind: 'finish',
      status: 'delivered',
    });
  });

  it('restarts a failed, timed-out or lost workflow after the attempts already made', () => {
    expect(rule(deferred, { state: 'gone' })).toEqual({
      kind: 'restart',
      reason: 'reconciler: workflow gone',
      afterAttempt: 1,
    });
    expect(rule(deferred, { state: 'timed_out' })).toMatchObject({
      reason: 'reconciler: workflow timed out',
    });
    // An attempt that began and never reported counts as made: the next one resends.
    expect(rule({ ...deferred, sending_attempt: 2 }, { state: 'failed' })).toMatchObject({ afterAttempt: 2 });
  });

  it('fails a lost message with no rung left, or restarted too often', () => {
    expect(rule({ ...deferred, attempts: 4 }, { state: 'gone' })).toEqual({
      kind: 'finish',
      status: 'failed',
      reason: 'retries_exhausted',
    });
    expect(rule({ ...deferred, restarts: MAX_RESTARTS }, { state: 'gone' })).toMatchObject({
      reason: 'workflow_lost',
    });
  });
});
