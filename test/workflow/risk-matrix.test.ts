/**
 * A project's risk matrix, read from its components' cards on a real worker: through the JSON API,
 * `mltrl status <project>` and the project page. Requirements on two components land in their
 * pFailure × value cells; flagged ones, and flagged ones without a mitigation, are marked; unrated
 * ones are listed as not placed; a retired component is named as left out.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { ProjectRisks } from '../../src/portfolio/risks.js';
import { componentHandle } from '../../src/runtime/client.js';
import type { CardPatch } from '../../machines/model.js';
import { componentWorkflowId, retireUpdate, updateCardUpdate } from '../../workflows/definitions.js';
import { temporalAddress } from '../helpers/temporal.js';
import { LEAD, OWNER, project } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { useReviewStack } from '../support/reviewStack.js';

const stack = useReviewStack();

const component = (id: string, entryLevel: number) => ({ id, name: `Component ${id}`, kind: 'model' as const, entryLevel, owner: OWNER });

const DETECTOR: CardPatch = {
  requirements: [
    { id: 'R1.1', statement: 'Detects rare tumour types', pFailure: 0.9, value: 9 }, // 8.1: flagged, no mitigation
    { id: 'P1.1', statement: 'Slides stay on premises', category: 'privacy', pFailure: 0.5, value: 8, mitigation: 'on-premise inference only' }, // 4: flagged, mitigated
    { id: 'R1.2', statement: 'Calibrated scores' }, // not rated: not placed
  ],
};
const PIPELINE: CardPatch = {
  requirements: [
    { id: 'P2.1', statement: 'Nightly ingestion completes', pFailure: 0.2, value: 2 }, // 0.4: not flagged
    { id: 'P2.2', statement: 'Schema drift is caught', pFailure: 0.6, value: 5 }, // 3, the threshold itself: flagged, no mitigation
  ],
};

/** Each non-empty cell as "pFailure × value" → its entries as "component/requirement" with their marks. */
function cells(risks: ProjectRisks): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of risks.matrix.rows) {
    for (const cell of row.cells) {
      if (cell.entries.length) {
        out[`${row.pFailure.label} × ${cell.value.label}`] = cell.entries.map((e) => `${e.componentId}/${e.requirementId}${e.flagged ? ' flagged' : ''}${e.unmitigated ? ' unmitigated' : ''}`);
      }
    }
  }
  return out;
}

async function cli(...args: string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), MLTRL_TASK_QUEUE: stack().harness.taskQueue };
  const code = await main(['node', 'mltrl', ...args], { out: (text) => out.push(text), err: (text) => err.push(text) }, env);
  expect({ code, err }).toEqual({ code: 0, err: [] });
  return out.join('\n');
}

describe("a project's risk matrix", () => {
  it('places the requirements of every live component, marks flags and missing mitigations, and shows them in the API, the CLI and the page', async () => {
    const { client } = stack().harness;
    const definition = project({ components: [component('detector', 4), component('pipeline', 3), component('legacy', 3)] });
    const token = await stack().links.personToken(LEAD.email);
    const started = await fetch(`${stack().http.url}/api/projects`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(definition) });
    expect(started.status).toBe(201);

    const card = (id: string, patch: CardPatch) =>
      eventually(() => componentHandle(client, definition.id, id).executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch }] }));
    await card('detector', DETECTOR);
    await card('pipeline', PIPELINE);
    // A retired component's requirements leave the matrix with it, even a flagged one.
    await card('legacy', { requirements: [{ id: 'R9.1', statement: 'Old scorer', pFailure: 1, value: 10 }] });
    await componentHandle(client, definition.id, 'legacy').executeUpdate(retireUpdate, { args: [{ by: LEAD.email, reason: 'replaced by detector' }] });

    const read = () => fetch(`${stack().http.url}/api/projects/${definition.id}/risks`, { headers: { authorization: `Bearer ${token}` } });
    // The project hears of the retirement asynchronously: wait until it has.
    const risks = await eventually(async () => {
      const response = await read();
      expect(response.status).toBe(200);
      const body = (await response.json()) as ProjectRisks;
      expect(body.retired).toEqual(['legacy']);
      return body;
    });

    expect(cells(risks)).toEqual({
      '0.8–1 × 9–10': ['detector/R1.1 flagged unmitigated'],
      '0.6–0.8 × 5–6': ['pipeline/P2.2 flagged unmitigated'],
      '0.4–0.6 × 7–8': ['detector/P1.1 flagged'],
      '0.2–0.4 × 1–2': ['pipeline/P2.1'],
    });
    expect(risks.matrix.counts).toEqual({ total: 5, placed: 4, notPlaced: 1, flagged: 3, unmitigated: 2 });
    expect(risks.matrix.flagged.map((e) => [e.componentId, e.requirementId, e.risk])).toEqual([
      ['detector', 'R1.1', 8.1],
      ['detector', 'P1.1', 4],
      ['pipeline', 'P2.2', 3],
    ]);
    expect(risks.matrix.unmitigated.map((e) => `${e.componentId}/${e.requirementId}`)).toEqual(['detector/R1.1', 'pipeline/P2.2']);
    expect(risks.matrix.notPlaced.map((e) => `${e.componentId}/${e.requirementId}`)).toEqual(['detector/R1.2']);
    expect(risks).toMatchObject({ projectId: definition.id, unreadable: [], retired: ['legacy'] });
    expect(risks.matrix.riskThresholds).toEqual([3]);

    // Each component's own card carries its own matrix.
    const detectorCard = await fetch(`${stack().http.url}/api/projects/${definition.id}/components/detector/card`, { headers: { authorization: `Bearer ${token}` } });
    const detector = (await detectorCard.json()) as { riskMatrix: ProjectRisks['matrix'] };
    expect(detector.riskMatrix.counts).toEqual({ total: 3, placed: 2, notPlaced: 1, flagged: 2, unmitigated: 1 });

    // `mltrl status <project>`: the grid of counts, then the flagged requirements by risk.
    const text = await cli('status', definition.id);
    expect(text).toContain('risk matrix: 5 requirements, 4 placed, 1 not placed; 3 flagged (risk ≥ 3), 2 of them without a mitigation');
    expect(text).toMatch(/^ {2}PFAILURE \\ VALUE\s+1–2\s+3–4\s+5–6\s+7–8\s+9–10$/m);
    expect(text).toMatch(/^ {2}0\.8–1\s+-\s+-\s+-\s+-\s+1 F1 U1$/m);
    expect(text).toMatch(/^ {2}0\.6–0\.8\s+-\s+-\s+1 F1 U1\s+-\s+-$/m);
    expect(text).toMatch(/^ {2}0\.4–0\.6\s+-\s+-\s+-\s+1 F1\s+-$/m);
    expect(text).toMatch(/^ {2}0\.2–0\.4\s+1\s+-\s+-\s+-\s+-$/m);
    expect(text).toMatch(/^ {2}detector\/R1\.1\s+risk 8\.1\s+pFailure 0\.9, value 9\s+NO MITIGATION$/m);
    expect(text).toMatch(/^ {2}detector\/P1\.1\s+risk 4\s+pFailure 0\.5, value 8\s+mitigation: on-premise inference only$/m);
    expect(text).toMatch(/^ {2}pipeline\/P2\.2\s+risk 3\s+pFailure 0\.6, value 5\s+NO MITIGATION$/m);
    expect(text).toContain('not placed (no pFailure or value yet): detector/R1.2');
    expect(text).toContain('retired, left out: legacy');
    const json = JSON.parse(await cli('status', definition.id, '--json')) as { systemLevel: number; risks: ProjectRisks };
    expect(json.systemLevel).toBe(3);
    expect(cells(json.risks)).toEqual(cells(risks));

    // The project page: a table with a caption and headers, marks in words.
    const page = await (await fetch(`${stack().http.url}/projects/${definition.id}`)).text();
    const section = page.slice(page.indexOf('<h2 id="risks">'), page.indexOf('</section>', page.indexOf('<h2 id="risks">')));
    expect(section).toContain('<caption>Requirements by probability of failure and value');
    expect(section).toContain('<th scope="col">Value 9–10</th>');
    const topRow = /<tr><th scope="row">0\.8–1<\/th>(.*?)<\/tr>/s.exec(section)?.[1] ?? '';
    expect(topRow.match(/<td>/g)).toHaveLength(5);
    expect(topRow).toMatch(/detector\/R1\.1<\/a> <span class="muted">risk 8\.1<\/span> <strong class="flag">flagged<\/strong> <strong class="flag">no mitigation<\/strong><\/li><\/ul><\/td>$/);
    expect(section).toMatch(/detector\/P1\.1<\/a> <span class="muted">risk 4<\/span> <strong class="flag">flagged<\/strong><\/li>/);
    expect(section).toContain('Marked <strong class="flag">no mitigation</strong>: flagged without a mitigation');
    expect(section).toContain('Retired components are left out: legacy.');
    expect(section).not.toContain('NOT READ');

    // Without a person token, nothing; a project that does not exist is a 404, in JSON.
    expect((await fetch(`${stack().http.url}/api/projects/${definition.id}/risks`)).status).toBe(401);
    const missing = await fetch(`${stack().http.url}/api/projects/no-such-project/risks`, { headers: { authorization: `Bearer ${token}` } });
    expect(missing.status).toBe(404);
  });

  it('names a component that does not answer, and keeps the rest of the matrix', async () => {
    const { client } = stack().harness;
    const definition = project({ components: [component('detector', 4), component('pipeline', 3)] });
    const token = await stack().links.personToken(LEAD.email);
    const started = await fetch(`${stack().http.url}/api/projects`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(definition) });
    expect(started.status).toBe(201);
    await eventually(() => componentHandle(client, definition.id, 'detector').executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: DETECTOR }] }));
    await eventually(() => componentHandle(client, definition.id, 'pipeline').describe());
    // The pipeline's workflow is gone (deleted by an operator): its project still lists it.
    await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId: componentWorkflowId(definition.id, 'pipeline') } });

    const risks = await eventually(async () => {
      const response = await fetch(`${stack().http.url}/api/projects/${definition.id}/risks`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as ProjectRisks;
      expect(body.unreadable.map((u) => u.id)).toEqual([`${definition.id}/pipeline`]);
      return body;
    });
    expect(risks.unreadable[0].why.length).toBeGreaterThan(0);
    expect(risks.matrix.counts).toEqual({ total: 3, placed: 2, notPlaced: 1, flagged: 2, unmitigated: 1 });
    expect(new Set(risks.matrix.flagged.map((e) => e.componentId))).toEqual(new Set(['detector']));

    expect(await cli('status', definition.id)).toMatch(new RegExp(`^NOT READ: 1 did not answer, and what they hold is left out: ${definition.id}/pipeline`, 'm'));
    const page = await (await fetch(`${stack().http.url}/projects/${definition.id}`)).text();
    expect(page).toContain(`<p class="notice" role="status">NOT READ: 1 did not answer, and what they hold is left out: ${definition.id}/pipeline`);
  });
});
