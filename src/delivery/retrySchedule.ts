const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "30s,5m,30m,2h,5h" into delays in milliseconds between consecutive attempts. */
export function parseRetrySchedule(text: string): number[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('retry schedule must list at least one delay');
  if (parts.length > 20) throw new Error('retry schedule may list at most 20 delays');
  return parts.map((part) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(part);
    if (!match) throw new Error(`"${part}" is not a duration like 30s, 5m or 2h`);
    const ms = Math.round(Number(match[1]) * UNIT_MS[match[2]]);
    if (ms <= 0) throw new Error(`"${part}" must be longer than zero`);
    return ms;
  });
}

export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
