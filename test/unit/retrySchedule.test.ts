import { formatDuration, parseRetrySchedule } from '../../src/delivery/retrySchedule';

describe('retry schedule', () => {
  it('parses the default ladder into milliseconds', () => {
    expect(parseRetrySchedule('30s,5m,30m,2h,5h')).toEqual([
      30_000, 300_000, 1_800_000, 7_200_000, 18_000_000,
    ]);
  });
  it('rejects empty, zero and unit-less entries', () => {
    expect(() => parseRetrySchedule('')).toThrow(/at least one/);
    expect(() => parseRetrySchedule('0s')).toThrow(/longer than zero/);
    expect(() => parseRetrySchedule('30')).toThrow(/not a duration/);
  });
  it('formats durations back to their shortest unit', () => {
    expect([30_000, 300_000, 7_200_000, 1500].map(formatDuration)).toEqual(['30s', '5m', '2h', '1500ms']);
  });
});
