/**
 * An MLflow server for one test file: free port, a fresh SQLite store in a temp folder, and
 * webhooks allowed to call back to loopback (where the tests' receivers listen).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMlflowServer, type MlflowServer } from '../../src/local/mlflow.js';
import { freePort } from '../../src/local/temporalServer.js';
import { PATIENCE_MS } from './patience.js';

export async function startTestMlflow(): Promise<MlflowServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mltrl-mlflow-'));
  const server = await startMlflowServer({
    port: await freePort(),
    dataDir,
    allowLocalWebhooks: true,
    // A first start creates and migrates the database, slower still when the cores are busy.
    readyTimeoutMs: 2 * PATIENCE_MS,
    log: process.env['MLTRL_TEST_SERVER_LOG'] === '1' ? (line) => console.error(`[mlflow] ${line}`) : undefined,
  }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
