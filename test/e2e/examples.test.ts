/**
 * The paper's five case studies replayed end to end against the real server: each component ends
 * where its story says, with the switchbacks and branch the paper describes, and the portfolio
 * metrics count them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayStories } from '../../examples/replay.js';
import { computeMetrics, type ComponentRecord } from '../../src/portfolio/metrics.js';
import { projectRecord, readPortfolio } from '../../src/portfolio/read.js';
import { cardQuery, statusQuery } from '../../workflows/definitions.js';
import { componentHandle } from '../../src/runtime/client.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

describe('replaying the case studies', () => {
  it('tells all five stories through the engine and the metrics see them', { timeout: 600_000 }, async () => {
    const suffix = `-${randomUUID().slice(0, 6)}`;
    const started = await replayStories(harness.client, harness.taskQueue, { idSuffix: suffix });
    expect(started).toEqual(['neuro-copilot', 'recycling-vision', 'etalumis', 'cams-meteor', 'causal-diagnosis'].map((id) => `${id}${suffix}`));

    // Each project hears of its components' changes by signal, so its summaries follow shortly.
    const reads = await eventually(async () => {
      const all = await Promise.all(started.map((projectId) => readPortfolio(harness.client, { taskQueue: harness.taskQueue, projectId })));
      const components = all.flatMap((read) => read.components);
      expect(components).toHaveLength(11); // ten components and the open-source branch
      expect(all.flatMap((read) => read.unreadable)).toEqual([]);
      expect(Object.fromEntries(all.map((read) => [read.projects[0].projectId.replace(suffix, ''), read.projects[0].systemLevel]))).toEqual({
        'neuro-copilot': 6,
        'recycling-vision': 8,
        etalumis: 6,
        'cams-meteor': 9,
        'causal-diagnosis': 9,
      });
      expect(components.find((r) => r.componentId === 'meteor-classifier')?.level).toBe(9);
      expect(components.find((r) => r.componentId === 'defect-detector')?.level).toBe(9);
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

    // The manufacturing defect detector: a Level 9 re-review sends it back to 4 (the embedded 9→4), and it climbs back to 9.
    const detector = byId('neuro-copilot', 'defect-detector');
    expect(detector.figures.switchbacks).toEqual([{ from: 9, to: 4, kind: 'embedded', count: 1 }]);
    const detectorCard = await componentHandle(harness.client, `neuro-copilot${suffix}`, 'defect-detector').query(cardQuery);
    expect(detectorCard.switchbacks).toEqual([expect.objectContaining({ from: 9, to: 4, kind: 'embedded', reason: expect.stringContaining('Field feedback') as string })]);
    const back = detectorCard.timeline.findIndex((t) => t.how === 'switchback');
    expect(detectorCard.timeline.slice(back).map((t) => [t.from, t.to, t.how])).toEqual([
      [9, 4, 'switchback'],
      [4, 5, 'decision'],
      [5, 6, 'graduation'],
      [6, 7, 'graduation'],
      [7, 8, 'graduation'],
      [8, 9, 'decision'],
    ]);
    expect(detectorCard.timeline.slice(0, back).at(-1)).toMatchObject({ from: 8, to: 9 });
    const reReview = detectorCard.reviews.find((r) => r.outcome === 'switched-back')!;
    expect(reReview).toMatchObject({ level: 9, reReview: true, proposal: 'keep' });
    // The re-review waited for the owner's answers to the Level 9 ethics checklist before its verdict counted.
    expect(detectorCard.ethics.find((e) => e.reviewId === reReview.id)).toMatchObject({ level: 9, by: 'mara@neuro.example', answers: { accountability: expect.any(String) as string } });

    // The pipeline's discovery switchback (5→4) flagged the anomaly model, which reads its tiles.
    const anomaly = componentHandle(harness.client, `neuro-copilot${suffix}`, 'anomaly-model');
    const flags = await eventually(async () => {
      const found = (await anomaly.query(cardQuery)).dependencyFlags ?? [];
      expect(found).toHaveLength(1);
      return found;
    });
    expect(flags[0]).toMatchObject({ dependency: 'slide-pipeline', from: 5, to: 4, kind: 'discovery' });
    const neuro = reads.find((read) => read.projects[0].projectId === `neuro-copilot${suffix}`)!.projects[0];
    expect(neuro.subsystems?.map((s) => [s.id, s.level])).toEqual([['diagnosis', 6], ['manufacturing', 9]]);

    // Requested changes became work items of Level 1, and the resubmit marked both done.
    const inferenceCard = await componentHandle(harness.client, `etalumis${suffix}`, 'inference-engine').query(cardQuery);
    expect(inferenceCard.tasks.map((t) => [t.id, t.level, t.status])).toEqual([['t1', 1, 'done'], ['t2', 1, 'done']]);
    expect(inferenceCard.tasks[0].resolution?.note).toMatch(/effective sample size/);

    // The causal case runs under the causal-inference profile and deploys with every causal check on its card.
    const causal = componentHandle(harness.client, `causal-diagnosis${suffix}`, 'counterfactual-diagnosis');
    expect(await causal.query(statusQuery)).toMatchObject({ level: 9, profile: 'causal-inference' });
    const causalCard = await causal.query(cardQuery);
    expect(causalCard.summary.profile).toBe('causal-inference');
    expect(Object.keys(causalCard.content.causalStructure as object)).toEqual(['graph', 'expertsConsulted', 'consensus']);
    for (const key of ['identifiability', 'confoundingAdjustment', 'sensitivityAnalysis', 'consistency']) expect(causalCard.content[key]).toEqual(expect.any(String));
    // It left Level 0 with the causal structure and identifiability already on its card.
    const leftZero = causalCard.graduations.find((g) => g.level === 0)?.content;
    expect(leftZero).toMatchObject({ causalStructure: causalCard.content.causalStructure, identifiability: causalCard.content.identifiability });
    expect(causalCard.timeline.map((t) => t.to)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const metrics = computeMetrics(records, projects);
    expect(metrics.switchbacks.paths.map((p) => p.path).sort()).toEqual(['4→2', '5→4', '8→7', '9→4']);
    expect(metrics.componentsPerLevel[9]).toBe(5); // trash classifier, meteor classifier, camera ingest, defect detector, counterfactual diagnosis
    expect(metrics.systemLevels).toHaveLength(5);
    expect(metrics.reviewTurnaround.samples).toBeGreaterThan(40);
    // Every graduation asked its owner for a debrief; the stories write a few of them.
    expect(metrics.debriefCoverage.total.asked).toBeGreaterThan(40);
    expect(metrics.debriefCoverage.total.written).toBeGreaterThan(0);
    expect(metrics.debriefCoverage.total.written).toBeLessThan(metrics.debriefCoverage.total.asked);
  });
});
