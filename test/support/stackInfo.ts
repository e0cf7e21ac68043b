/** What globalSetup started, handed to test files through the environment. */
export interface SharedServices {
  temporalAddress: string;
  mongoBaseUri: string;
  /** Where the MongoDB-wire server keeps its files (FerretDB: one SQLite file per database). */
  mongoDataDir: string;
  mongoKind: 'mongod' | 'ferretdb';
  workflowBundlePath: string;
  temporalTestServer?: string;
  temporalCli: string;
}

export const STACK_ENV = 'SENDFLOW_TEST_SERVICES';

export function sharedServices(): SharedServices {
  const raw = process.env[STACK_ENV];
  if (!raw)
    throw new Error(`${STACK_ENV} is not set: run tests through jest so globalSetup starts the services`);
  return JSON.parse(raw) as SharedServices;
}
