import { ConfigError, loadConfig } from '../../src/config';

describe('configuration from the environment', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      MONGODB_URI: 'mongodb://127.0.0.1:27017/sendflow',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'sendflow',
      SMTP_URL: 'smtp://127.0.0.1:1025',
      SENDFLOW_VERIFIED_DOMAINS: [],
      SENDFLOW_VERIFY_MX: false,
      SENDFLOW_WEBHOOK_ALLOW_PRIVATE: false,
    });
    expect(config.SENDFLOW_RETRY_SCHEDULE).toEqual([30_000, 300_000, 1_800_000, 7_200_000, 18_000_000]);
  });

  it('parses lists, flags and a custom retry schedule', () => {
    const config = loadConfig({
      SENDFLOW_VERIFIED_DOMAINS: ' Acme.test, mail.example.test ',
      SENDFLOW_VERIFY_MX: 'true',
      SENDFLOW_RETRY_SCHEDULE: '1s, 500ms,1m',
      PORT: '8080',
    });
    expect(config.SENDFLOW_VERIFIED_DOMAINS).toEqual(['acme.test', 'mail.example.test']);
    expect(config.SENDFLOW_VERIFY_MX).toBe(true);
    expect(config.SENDFLOW_RETRY_SCHEDULE).toEqual([1000, 500, 60_000]);
    expect(config.PORT).toBe(8080);
  });

  it('names every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        SMTP_URL: 'http://x',
        SENDFLOW_RETRY_SCHEDULE: '30 seconds',
        SENDFLOW_ENCRYPTION_KEY: 'short',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT:/m);
    expect(problems).toMatch(/^SMTP_URL:/m);
    expect(problems).toMatch(/^SENDFLOW_RETRY_SCHEDULE: "30 seconds" is not a duration/m);
    expect(problems).toMatch(/^SENDFLOW_ENCRYPTION_KEY: must be 32 bytes/m);
  });

  it('refuses a bootstrap key too short to be a secret', () => {
    expect(() => loadConfig({ SENDFLOW_BOOTSTRAP_KEY: 'abc' })).toThrow(/SENDFLOW_BOOTSTRAP_KEY/);
  });

  it('reads direct-delivery settings: default route, EHLO name, MX port and IP pools', () => {
    const config = loadConfig({
      SENDFLOW_DEFAULT_ROUTE: 'mx',
      SENDFLOW_EHLO_NAME: 'mta1.example.com',
      SENDFLOW_MX_PORT: '2525',
      SENDFLOW_IP_POOLS: 'transactional=192.0.2.10, 192.0.2.11; bulk=2001:db8::25',
    });
    expect(config).toMatchObject({
      SENDFLOW_DEFAULT_ROUTE: 'mx',
      SENDFLOW_EHLO_NAME: 'mta1.example.com',
      SENDFLOW_MX_PORT: 2525,
      SENDFLOW_IP_POOLS: { transactional: ['192.0.2.10', '192.0.2.11'], bulk: ['2001:db8::25'] },
    });
  });

  it('refuses a default route that is neither mx nor an SMTP URL, and an IP pool of non-addresses', () => {
    expect(() => loadConfig({ SENDFLOW_DEFAULT_ROUTE: 'direct' })).toThrow(/SENDFLOW_DEFAULT_ROUTE/);
    expect(() => loadConfig({ SENDFLOW_IP_POOLS: 'bulk=mail.example.com' })).toThrow(/SENDFLOW_IP_POOLS/);
  });
});
