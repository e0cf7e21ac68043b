import nodemailer from 'nodemailer';

/** The pooled nodemailer transport to SMTP_URL that the benchmark's reference workers send with. */
export function pooledSinkTransport() {
  return nodemailer.createTransport({
    url: process.env.SMTP_URL,
    pool: true,
    maxConnections: 5,
    maxMessages: Number.POSITIVE_INFINITY,
  } as never);
}
