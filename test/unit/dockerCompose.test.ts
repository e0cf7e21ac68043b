import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../src/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/contracts/searchAttributes';

const compose = parse(readFileSync(path.join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), {
  merge: true,
});

describe('docker-compose.yml', () => {
  it('defines the whole stack', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'inbound',
      'mailpit',
      'mongo',
      'relay',
      'temporal',
      'worker',
    ]);
  });

  it('configures API, worker, inbound listener and relay only with variable names the config schema knows', () => {
    const known = Object.keys(configSchema.shape);
    for (const service of ['api', 'worker', 'inbound', 'relay']) {
      const names = Object.keys(compose.services[service].environment);
      expect(names.filter((n) => !known.includes(n))).toEqual([]);
      expect(names).toEqual(expect.arrayContaining(['MONGODB_URI', 'TEMPORAL_ADDRESS', 'SMTP_URL']));
    }
  });

  it('gives worker and inbound listener the same bounce domain, so VERP reports find their message', () => {
    const { worker, inbound } = compose.services;
    expect(inbound.command).toEqual(['node', 'dist/src/inbound/main.js']);
    expect(inbound.environment.SENDFLOW_BOUNCE_DOMAIN).toBeTruthy();
    expect(inbound.environment.SENDFLOW_BOUNCE_DOMAIN).toBe(worker.environment.SENDFLOW_BOUNCE_DOMAIN);
    expect(inbound.ports).toContain(`${inbound.environment.SENDFLOW_INBOUND_PORT}:2525`);
  });

  it('has no default admin key: compose refuses to start without SENDFLOW_BOOTSTRAP_KEY', () => {
    for (const service of ['api', 'worker', 'inbound', 'relay']) {
      expect(compose.services[service].environment.SENDFLOW_BOOTSTRAP_KEY).toMatch(
        /^\$\{SENDFLOW_BOOTSTRAP_KEY:\?/,
      );
    }
  });

  it('runs the SMTP relay on its configured port', () => {
    const { relay } = compose.services;
    expect(relay.command).toEqual(['node', 'dist/src/relay/main.js']);
    expect(relay.ports).toContain(`${relay.environment.SMTP_RELAY_PORT}:2587`);
  });

  it('registers the search attributes the workflows set', () => {
    const args: string[] = compose.services.temporal.command;
    for (const key of ALL_SEARCH_ATTRIBUTES) {
      expect(args).toContain(`--search-attribute=${key.name}=Keyword`);
    }
  });
});
