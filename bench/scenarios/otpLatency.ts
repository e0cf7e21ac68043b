import { DOMAIN, log, OTP_WARMUP, SIZES } from '../options';
import type { BenchStack } from '../stack';
import { summarize } from '../stats';

/**
 * Scenario 3: sequential OTP sends at idle, POST to sink, and where the time goes: POST
 * answered, workflow past its checks (`accepted` event), mail at the sink.
 */
export async function otpLatency(stack: BenchStack, apiUrl: string) {
  log(`scenario 3: OTP latency, ${SIZES.otp} sequential sends`);
  const otp: number[] = [];
  const answeredMs: number[] = [];
  const sent: { id: string; t0: number }[] = [];
  // The processes were just started: the first sends (JIT, connection pools) are not counted.
  for (let i = -OTP_WARMUP; i < SIZES.otp; i++) {
    const r = `otp${i}@${DOMAIN}`;
    const t0 = Date.now();
    const res = await fetch(`${apiUrl}/v1/messages`, {
      method: 'POST',
      headers: stack.auth,
      body: JSON.stringify(stack.message(r)),
    });
    const answered = Date.now() - t0;
    const { message_id } = (await res.json()) as { message_id: string };
    while (!stack.sink.arrivals.has(r)) await new Promise((res) => setTimeout(res, 2));
    if (i < 0) continue;
    otp.push((stack.sink.arrivals.get(r) as number[])[0] - t0);
    answeredMs.push(answered);
    sent.push({ id: message_id, t0 });
  }
  const acceptedAt = new Map(
    (
      await stack.mongo
        .db()
        .collection('events')
        .find({ message_id: { $in: sent.map((s) => s.id) }, type: 'email.accepted' })
        .toArray()
    ).map((e) => [e.message_id as string, (e.created_at as Date).getTime()]),
  );
  const acceptedMs = sent.flatMap(({ id, t0 }) => {
    const at = acceptedAt.get(id);
    return at === undefined ? [] : [at - t0];
  });
  log(`  p50 ${summarize(otp).p50} ms, p99 ${summarize(otp).p99} ms`);
  return {
    ...summarize(otp),
    stages_p50_ms: { answered: summarize(answeredMs).p50, accepted: summarize(acceptedMs).p50 },
  };
}
