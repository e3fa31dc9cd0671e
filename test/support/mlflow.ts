/**
 * An MLflow server for one test file: free port, a fresh SQLite store in a temp folder (or the
 * given one, kept on stop, to start again on the same state), and webhooks allowed to call back to
 * loopback (where the tests' receivers listen).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMlflowServer, type MlflowServer } from '../../src/local/mlflow.js';
import { freePort } from '../../src/local/temporalServer.js';
import { PATIENCE_MS } from './patience.js';

export async function startTestMlflow(options: { dataDir?: string } = {}): Promise<MlflowServer> {
  const ownDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'mltrl-mlflow-')) : undefined;
  const removeOwnDir = () => {
    if (ownDir !== undefined) rmSync(ownDir, { recursive: true, force: true });
  };
  const server = await startMlflowServer({
    port: await freePort(),
    dataDir: options.dataDir ?? ownDir!,
    allowLocalWebhooks: true,
    // A first start creates and migrates the database, slower still when the cores are busy.
    readyTimeoutMs: 2 * PATIENCE_MS,
    log: process.env['MLTRL_TEST_SERVER_LOG'] === '1' ? (line) => console.error(`[mlflow] ${line}`) : undefined,
  }).catch((error: unknown) => {
    removeOwnDir();
    throw error;
  });
  return {
    ...server,
    async stop() {
      await server.stop();
      removeOwnDir();
    },
  };
}
