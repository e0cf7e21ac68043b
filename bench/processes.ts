import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { waitForPort } from '../devtools/localServices';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Proc {
  child: ChildProcess;
  /** Peak resident set size so far, in MiB (VmHWM). */
  peakRssMiB(): number;
  /** Resident set size now, in MiB (VmRSS). */
  rssMiB(): number;
  stop(): Promise<void>;
}

// Linux reports CPU times in clock ticks of 1/100 s (USER_HZ).
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process so far, from /proc; NaN once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function statusMiB(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return Number.NaN;
  }
}

function wrap(child: ChildProcess): Proc {
  return {
    child,
    peakRssMiB: () => statusMiB(child.pid, 'VmHWM'),
    rssMiB: () => statusMiB(child.pid, 'VmRSS'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  };
}

const ENTRY_POINTS = {
  api: path.join('dist', 'src', 'api', 'main.js'),
  worker: path.join('dist', 'src', 'worker', 'main.js'),
  relay: path.join('dist', 'src', 'relay', 'main.js'),
  floor: path.join('dist', 'bench', 'floor', 'worker.js'),
  bullmq: path.join('dist', 'bench', 'peer', 'bullmqWorker.js'),
};

/** Starts a compiled entry point (Sendflow's API or worker, or the floor worker) and waits until it is ready. */
export async function startNode(
  script: keyof typeof ENTRY_POINTS,
  env: Record<string, string>,
  port?: number,
  nodeArgs: string[] = [],
): Promise<Proc> {
  const file = path.join(ROOT, ENTRY_POINTS[script]);
  const child = spawn(process.execPath, [...nodeArgs, file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (out.length < 100_000) out += d.toString();
  });
  if (port !== undefined) await waitForPort(port, `sendflow ${script}`, 60_000, child);
  else {
    const deadline = Date.now() + 90_000;
    while (!out.includes('worker running')) {
      if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('worker did not start within 90 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return wrap(child);
}

export async function startBareServer(port: number): Promise<Proc> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bench', 'bareServer.js')], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(port, 'bare server', 30_000, child);
  return wrap(child);
}
