import { readFileSync } from 'node:fs';
import { generate } from 'selfsigned';
import type { Config } from '../config';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Generated at start: clients must accept an unverified certificate. */
  selfSigned: boolean;
}

/** A self-signed certificate for the given host name (and localhost), valid for a year. */
export async function selfSignedPair(hostName: string): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: hostName }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: hostName },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** The relay's certificate and key: the configured PEM files, else a fresh self-signed pair. */
export async function relayTlsMaterial(config: Config): Promise<TlsMaterial> {
  if (config.SMTP_RELAY_TLS_CERT && config.SMTP_RELAY_TLS_KEY) {
    return {
      cert: readFileSync(config.SMTP_RELAY_TLS_CERT, 'utf8'),
      key: readFileSync(config.SMTP_RELAY_TLS_KEY, 'utf8'),
      selfSigned: false,
    };
  }
  return { ...(await selfSignedPair(config.SENDFLOW_EHLO_NAME)), selfSigned: true };
}
