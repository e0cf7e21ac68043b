import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { Collections } from '../db/mongo';
import type { SmtpOutcome } from './smtpOutcome';

export const TEST_SINK_MTA = 'sendflow-test-sink';

// Builds the exact MIME message (DKIM included) without any network: the sandbox for test keys.
const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

/** Hands a test-mode message to the in-process sink: stored in MongoDB, never sent. */
export async function deliverToTestSink(
  c: Collections,
  mail: Mail.Options,
  message: { _id: string; project_id: string },
  attempt: number,
): Promise<SmtpOutcome> {
  const info = await composer.sendMail(mail);
  const id = `${message._id}:${attempt}`;
  // The captured MIME is content like any other: sealed at rest when a key is configured.
  const raw = c.sealer.seal((info.message as Buffer).toString('utf8'), ['test_deliveries', id, 'raw']);
  await c.testDeliveries.updateOne(
    { _id: id },
    {
      $setOnInsert: { message_id: message._id, project_id: message.project_id, raw, created_at: new Date() },
    },
    { upsert: true },
  );
  return {
    kind: 'delivered',
    smtp: {
      code: 250,
      enhanced_code: '2.0.0',
      response: '250 2.0.0 accepted by the test sink (not sent)',
      remote_mta: TEST_SINK_MTA,
    },
  };
}
