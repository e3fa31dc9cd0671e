/**
 * Safe evolution: histories recorded from real runs (test/fixtures/histories, made by
 * `npm run record-histories`) must replay against today's workflow code. A change to a workflow's
 * commands that is not guarded with `patched()` fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/temporalServer.js';
import { DATA_CONVERTER } from '../../src/worker.js';
import { workflowBundle } from '../support/harness.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
const files = readdirSync(DIR).filter((file) => file.endsWith('.json'));

describe('recorded histories replay against the current workflow code', () => {
  it('has the recorded scenarios: a full climb, its project, switchbacks, a continue-as-new and a re-review', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining(['continue-as-new-first-run.json', 'continue-as-new-next-run.json', 'full-climb.json', 'project.json', 're-review.json', 'switchbacks.json']),
    );
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
    expect(history.events?.length).toBeGreaterThan(5);
    // As the worker runs them: the bundle carries mltrl's payload converter, and so does the replayer.
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: DATA_CONVERTER, replayName: file }, history, file);
  });
});
