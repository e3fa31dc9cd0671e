/**
 * The paper's four case studies replayed end to end against the real server: each component ends
 * where its story says, with the switchbacks and branch the paper describes, and the portfolio
 * metrics count them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayStories } from '../../examples/replay.js';
import { computeMetrics, type ComponentRecord } from '../../src/portfolio/metrics.js';
import { projectRecord, readPortfolio } from '../../src/portfolio/read.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

describe('replaying the case studies', () => {
  it('tells all four stories through the engine and the metrics see them', { timeout: 600_000 }, async () => {
    const suffix = `-${randomUUID().slice(0, 6)}`;
    const started = await replayStories(harness.client, harness.taskQueue, { idSuffix: suffix });
    expect(started).toEqual(['neuro-copilot', 'recycling-vision', 'etalumis', 'cams-meteor'].map((id) => `${id}${suffix}`));

    // Each project hears of its components' changes by signal, so its summaries follow shortly.
    const reads = await eventually(async () => {
      const all = await Promise.all(started.map((projectId) => readPortfolio(harness.client, { taskQueue: harness.taskQueue, projectId })));
      const components = all.flatMap((read) => read.components);
      expect(components).toHaveLength(9); // eight components and the open-source branch
      expect(all.flatMap((read) => read.unreadable)).toEqual([]);
      expect(Object.fromEntries(all.map((read) => [read.projects[0].projectId.replace(suffix, ''), read.projects[0].systemLevel]))).toEqual({
        'neuro-copilot': 6,
        'recycling-vision': 8,
        etalumis: 6,
        'cams-meteor': 9,
      });
      expect(components.find((r) => r.componentId === 'meteor-classifier')?.level).toBe(9);
      return all;
    });
    const records = reads.flatMap((read) => read.components);
    const projects = reads.flatMap((read) => read.projects.map(projectRecord));
    const byId = (projectId: string, componentId: string): ComponentRecord =>
      records.find((r) => r.projectId === `${projectId}${suffix}` && r.componentId === componentId)!;

    expect(byId('neuro-copilot', 'anomaly-model')).toMatchObject({ level: 6, state: 'working' });
    expect(byId('recycling-vision', 'trash-classifier')).toMatchObject({ level: 9, phase: 'deployment' });

    const inference = byId('etalumis', 'inference-engine');
    expect(inference.level).toBe(8);
    expect(inference.figures.switchbacks).toEqual([{ from: 4, to: 2, kind: 'embedded', count: 1 }]);
    expect(byId('etalumis', 'ppx-open-source')).toMatchObject({ level: 6, state: 'working' });

    const meteor = byId('cams-meteor', 'meteor-classifier');
    expect(meteor.level).toBe(9);
    expect(meteor.figures.switchbacks).toEqual([{ from: 8, to: 7, kind: 'review', count: 1 }]);

    const metrics = computeMetrics(records, projects);
    expect(metrics.switchbacks.paths.map((p) => p.path).sort()).toEqual(['4→2', '8→7']);
    expect(metrics.componentsPerLevel[9]).toBe(3); // trash classifier, meteor classifier, camera ingest
    expect(metrics.systemLevels).toHaveLength(4);
    expect(metrics.reviewTurnaround.samples).toBeGreaterThan(40);
  });
});
