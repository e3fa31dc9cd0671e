/**
 * Safe evolution: histories recorded from real runs (test/fixtures/histories, made by
 * `npm run record-histories`) must replay against today's workflow code. A change to a workflow's
 * commands that is not guarded with `patched()` fails here.
 *
 * The code replayed is a bundle file written exactly as `npm run build` writes dist/workflow-bundle.js
 * (src/runtime/workflowBundle.ts) and loaded the way production workers load it (`{ codePath }`).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/temporalServer.js';
import { BUNDLE_FILE_NAME, DATA_CONVERTER, writeWorkflowBundle } from '../../src/runtime/workflowBundle.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
const files = readdirSync(DIR).filter((file) => file.endsWith('.json'));

const buildDir = mkdtempSync(join(tmpdir(), 'mltrl-replay-'));
const codePath = join(buildDir, BUNDLE_FILE_NAME);
beforeAll(() => writeWorkflowBundle(codePath));
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

describe('recorded histories replay against the current workflow code', () => {
  it('has the recorded scenarios: a full climb, its project, switchbacks, a continue-as-new, a re-review and the integrations', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining(['continue-as-new-first-run.json', 'continue-as-new-next-run.json', 'full-climb.json', 'integrations.json', 'project.json', 're-review.json', 'switchbacks.json']),
    );
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
    expect(history.events?.length).toBeGreaterThan(5);
    // As the worker runs them: the bundle carries mltrl's payload converter, and so does the replayer.
    await Worker.runReplayHistory({ workflowBundle: { codePath }, dataConverter: DATA_CONVERTER, replayName: file }, history, file);
  });
});
