/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 120_000,
  // Temporal and the MongoDB-wire server share the machine's two cores with the tests.
  maxWorkers: 2,
  // A test whose setup failed half-way must not keep CI waiting on a leftover socket.
  forceExit: true,
};
