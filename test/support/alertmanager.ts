/**
 * An Alertmanager for one test file: free port, state in a temp folder, every alert to
 * `webhookUrl`, with one-second grouping waits so a test sees notifications (and resolutions) at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAlertmanager, type Alertmanager } from '../../src/local/alertmanager.js';
import { freePort } from '../../src/local/temporalServer.js';
import { PATIENCE_MS } from './patience.js';

export async function startTestAlertmanager(webhookUrl: string, bearerToken?: string): Promise<Alertmanager> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mltrl-alertmanager-'));
  const server = await startAlertmanager({
    port: await freePort(),
    dataDir,
    webhookUrl,
    bearerToken,
    groupWait: '1s',
    groupInterval: '1s',
    // Longer than any test: a notification seen twice is a change, not a repeat.
    repeatInterval: '1h',
    readyTimeoutMs: PATIENCE_MS,
    log: process.env['MLTRL_TEST_SERVER_LOG'] === '1' ? (line) => console.error(`[alertmanager] ${line}`) : undefined,
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
