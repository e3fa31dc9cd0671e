/**
 * The Temporal dev server the project runs on: the contract's search attributes are registered,
 * and a SQLite-backed server keeps workflows across a restart (the default stack relies on it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, SEARCH_ATTRIBUTES, startDevServer, type DevServer } from '../src/local/temporalServer.js';
import { temporalAddress } from './helpers/temporal.js';
import { PATIENCE_MS } from './support/patience.js';

const MltrlProject = defineSearchAttributeKey('MltrlProject', SearchAttributeType.KEYWORD);
const { IndexedValueType } = temporal.api.enums.v1;
const EXPECTED_TYPES = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

describe('the shared test server', () => {
  it('has the contract search attributes registered in the default namespace', async () => {
    const customAttributes = await withConnection(temporalAddress(), async (connection) => {
      const response = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      return response.customAttributes;
    });
    expect(customAttributes).toMatchObject({
      MltrlProject: EXPECTED_TYPES.Keyword,
      MltrlLevel: EXPECTED_TYPES.Int,
      MltrlPhase: EXPECTED_TYPES.Keyword,
      MltrlState: EXPECTED_TYPES.Keyword,
    });
    expect(Object.keys(SEARCH_ATTRIBUTES).sort()).toEqual(['MltrlLevel', 'MltrlPhase', 'MltrlProject', 'MltrlState']);
  });
});

describe('startDevServer with a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mltrl-server-'));
  const dbFile = join(dir, 'nested', 'temporal.sqlite');
  const running: DevServer[] = [];

  async function start(): Promise<{ server: DevServer; readyMs: number }> {
    const began = performance.now();
    // Generous: how fast a server gets ready on a busy machine is not what this suite checks.
    const server = await startDevServer({ port: await freePort(), uiPort: await freePort(), dbFile, readyTimeoutMs: PATIENCE_MS });
    running.push(server);
    return { server, readyMs: Math.round(performance.now() - began) };
  }

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a workflow started before a restart', async () => {
    const workflowId = `restart-check-${Date.now()}`;

    const first = await start();
    const runId = await withConnection(first.server.address, async (connection) => {
      const client = new Client({ connection });
      // No worker polls this queue: the execution just stays open, which is all we need to observe.
      const handle = await client.workflow.start('neverExecuted', {
        taskQueue: 'no-worker',
        workflowId,
        typedSearchAttributes: [{ key: MltrlProject, value: workflowId }],
      });
      return handle.firstExecutionRunId;
    });
    await first.server.stop();
    expect(() => process.kill(first.server.pid, 0)).toThrow(/ESRCH/);

    const second = await start();
    await withConnection(second.server.address, async (connection) => {
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.runId).toBe(runId);
      expect(description.type).toBe('neverExecuted');
      expect(description.status.name).toBe('RUNNING');
      expect(description.typedSearchAttributes.get(MltrlProject)).toBe(workflowId);
      // Visibility is updated asynchronously; the execution is listed by its search attribute shortly.
      await expect
        .poll(async () => (await client.workflow.count(`MltrlProject = '${workflowId}'`)).count)
        .toBe(1);
    });

    const customAttributes = await withConnection(second.server.address, async (connection) => {
      const response = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      return response.customAttributes;
    });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));

    console.log(`dev server ready: first start ${first.readyMs} ms, restart on existing file ${second.readyMs} ms`);
  });

  it('refuses to start on a port that is already taken', async () => {
    const { server } = await start();
    const port = Number(server.address.split(':')[1]);
    await expect(startDevServer({ port, uiPort: await freePort() })).rejects.toThrow(/already in use/);
  });
});
