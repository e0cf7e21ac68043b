import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** The newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/**
 * Builds dist/ (compiled processes, the workflow bundle and the console) for tests that run the real
 * processes, unless a build newer than every source file is there: test files that need it
 * run side by side, and one build is enough.
 */
export function ensureBuiltDist(): void {
  // The console is the build's last step: its page is newer than everything else it writes.
  const marker = path.join(ROOT, 'dist', 'console', 'index.html');
  const sources = () => Math.max(newest(path.join(ROOT, 'src')), newest(path.join(ROOT, 'console')));
  const fresh = () => existsSync(marker) && statSync(marker).mtimeMs > sources();
  if (fresh()) return;
  // One build at a time: another test file may be building, or running processes from dist.
  const lock = path.join(ROOT, '.run', 'build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is taken over after five minutes.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 300_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(pause, 0, 0, 250);
    }
  }
  try {
    if (!fresh())
      execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
