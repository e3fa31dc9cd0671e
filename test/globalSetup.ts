/**
 * Starts one Temporal dev server (in memory, free ports) for the whole test run, unless
 * TEMPORAL_ADDRESS already names a server to use. Tests read the address with `temporalAddress()`
 * from ./helpers/temporal.ts.
 */
import type { TestProject } from 'vitest/node';
import { freePort, startDevServer } from '../src/local/temporalServer.js';
import { PATIENCE_MS } from './support/patience.js';
import type {} from './helpers/temporal.js'; // the `temporalAddress` key of vitest's ProvidedContext

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const existing = process.env['TEMPORAL_ADDRESS'];
  if (existing !== undefined && existing !== '') {
    project.provide('temporalAddress', existing);
    return undefined;
  }

  const started = Date.now();
  const server = await startDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    // Other work may keep the machine's cores busy while the suite starts.
    readyTimeoutMs: PATIENCE_MS,
    log: process.env['MLTRL_TEST_SERVER_LOG'] === '1' ? (line) => console.error(`[temporal] ${line}`) : undefined,
  });
  console.log(`Temporal dev server for tests: ${server.address} (ready in ${Date.now() - started} ms)`);

  project.provide('temporalAddress', server.address);
  // Also for code that reads configuration from the environment (loadConfig, the CLI under test):
  // test workers are forked after global setup, so they inherit it.
  process.env['TEMPORAL_ADDRESS'] = server.address;

  return async () => {
    await server.stop();
  };
}
