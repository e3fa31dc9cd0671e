import { defineConfig } from 'vitest/config';
import { PATIENCE_MS } from './test/support/patience.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Temporal SDK's native bridge (Rust core) does not survive worker threads; use processes.
    pool: 'forks',
    // Two cores here: workflow suites bundle the workflow code with webpack (CPU heavy) while the
    // shared dev server runs alongside, so more than two test files at once only adds contention.
    maxWorkers: 2,
    // One `temporal server start-dev` for the whole run; its address reaches tests via
    // `temporalAddress()` from test/helpers/temporal.ts.
    globalSetup: ['test/globalSetup.ts'],
    // In every test process: workers and replayers require() the payload converter, a TypeScript module.
    setupFiles: ['test/setup.ts'],
    // Tests wait for the state they assert (test/support/harness.ts `eventually`, PATIENCE_MS per
    // wait), never for time; on a loaded 2-core machine a test of several waits needs minutes.
    testTimeout: 3 * PATIENCE_MS,
    // beforeAll hooks bundle workflows and start workers.
    hookTimeout: 120_000,
    // expect.poll waits as long as `eventually` does (its default is one second).
    expect: { poll: { timeout: PATIENCE_MS, interval: 200 } },
    teardownTimeout: 30_000,
  },
});
