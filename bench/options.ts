// npm run bench [-- --quick]: every scenario next to its ceiling, measured in the same run.
export const QUICK = process.argv.includes('--quick');
// --cpu-prof: V8 CPU profiles of the end-to-end API and worker, for chrome://inspect or speedscope.
export const CPU_PROF = process.argv.includes('--cpu-prof');
export const SIZES = QUICK
  ? { acceptSeconds: 2, e2e: 100, otp: 10, scale: 60, volume: 20_000, concurrencies: [1, 16, 64] }
  : { acceptSeconds: 10, e2e: 5000, otp: 200, scale: 2000, volume: 1_000_000, concurrencies: [1, 16, 64] };
// --e2e=N, --otp=N: other counts, for comparing changes with less noise than --quick.
const countArg = (name: string) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]);
if (countArg('e2e') > 0) SIZES.e2e = countArg('e2e');
if (countArg('otp') > 0) SIZES.otp = countArg('otp');
// --volume=N: messages the volume scenario loads (three events each).
if (countArg('volume') > 0) SIZES.volume = countArg('volume');
// --samples=N: timed requests per read in the volume scenario (default 30, quick 10).
export const READ_SAMPLES = countArg('samples') > 0 ? countArg('samples') : QUICK ? 10 : 30;
// --only=volume: run the volume scenario alone (it takes most of a full run); --only=peer the BullMQ
// peer; --only=accept the HTTP accept path and the SMTP relay submissions; --only=e2e end to end and
// OTP latency (with --e2e=N, --otp=N: comparing two builds).
export const ONLY = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1];

export const KEY = 'sf_bench_key_0123456789abcdef';
export const OTP_WARMUP = 5;
export const DOMAIN = 'bench.test';
export const log = (s: string) => console.log(`[bench] ${s}`);
