// Tests run against the embedded Cosmos and Azurite started once in test/support/global-setup.ts;
// each test file starts its own local host on a free port with its own Cosmos database.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'sdk/test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    // expect.poll waits for what a page or a background job does: its default second is shorter than a browser
    // round trip on a loaded two-core machine (a dashboard test failed that way beside benchmarks).
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
