/**
 * The JSON API over real HTTP: reading projects, components, cards and history; submitting,
 * giving verdicts and switching back, with who is acting always taken from a signed token.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { componentHandle } from '../../src/runtime/client.js';
import { loadConfig } from '../../src/runtime/config.js';
import { updateCardUpdate, type AuditEntry, type CardView, type ComponentStatus, type ProjectStatus, type ReviewState } from '../../workflows/definitions.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { LINK_SECRET, useReviewStack } from '../support/reviewStack.js';

const stack = useReviewStack();

const RL1 = reviewer('research-lead', 1).email;

async function api<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; json: T }> {
  const response = await fetch(`${stack().http.url}/api${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as T };
}

/** A person token as a team lead gets one: `mltrl token --as <email>`, signed with the server's secret. */
async function tokenFromCli(email: string): Promise<string> {
  const out: string[] = [];
  const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
  const code = await main(['node', 'mltrl', 'token', '--as', email, '--valid-for', '1 hour'], io, { MLTRL_LINK_SECRET: LINK_SECRET });
  expect(code).toBe(0);
  return out.join('').trim();
}

type ErrorBody = { error: { kind: string; message: string } };
type ProjectList = { projects: ProjectStatus[]; total: number; page: number; pageSize: number; pages: number; unreadable: { id: string; why: string }[] };
type ComponentList = { components: (ComponentStatus & { owner: string })[]; total: number; pages: number; unreadable: unknown[] };

describe('the JSON API', () => {
  it('starts a project for an owner, lists it, and reads status, card and history', async () => {
    const definition = project();
    const lead = await tokenFromCli(LEAD.email);

    expect((await api<ErrorBody>('POST', '/projects', { body: definition })).status).toBe(401);
    const stranger = await api<ErrorBody>('POST', '/projects', { body: definition, token: await stack().links.personToken(RL1) });
    expect(stranger.status).toBe(403);
    const started = await api<{ projectId: string }>('POST', '/projects', { body: definition, token: lead });
    expect(started).toEqual({ status: 201, json: { projectId: definition.id, workflowId: `project/${definition.id}` } });
    const duplicate = await api<ErrorBody>('POST', '/projects', { body: definition, token: lead });
    expect(duplicate.status).toBe(409);

    const listed = await eventually(async () => {
      const { json } = await api<ProjectList>('GET', `/projects?project=${definition.id}`, { token: lead });
      expect(json).toMatchObject({ total: 1, page: 1, pages: 1, unreadable: [] });
      expect(json.projects[0].components).toHaveLength(1);
      return json.projects[0];
    });
    expect(listed).toMatchObject({ name: 'Neuropathology copilot', systemLevel: 0, components: [{ componentId: 'anomaly-model', level: 0, state: 'working' }] });

    const base = `/projects/${definition.id}/components/anomaly-model`;
    const status = await eventually(async () => {
      const response = await api<ComponentStatus>('GET', base, { token: lead });
      expect(response.status).toBe(200);
      return response.json;
    });
    expect(status).toMatchObject({ projectId: definition.id, componentId: 'anomaly-model', level: 0, state: 'working' });
    expect((await api<CardView>('GET', `${base}/card`, { token: lead })).json.summary).toMatchObject({ techName: 'Anomaly detector', level: 0 });
    expect((await api<AuditEntry[]>('GET', `${base}/history`, { token: lead })).json[0]).toMatchObject({ who: OWNER.email, what: 'start', outcome: 'accepted' });
    expect((await api<{ components: ComponentStatus[] }>('GET', `/projects/${definition.id}/components`, { token: lead })).json.components).toHaveLength(1);

    expect((await api<ErrorBody>('GET', `/projects/${definition.id}/components/no-such-thing`, { token: lead })).status).toBe(404);
    expect((await api<ErrorBody>('GET', `/projects/NOT_A_SLUG`, { token: lead })).json.error.kind).toBe('invalid');
    expect((await api<ErrorBody>('GET', '/nothing-here')).status).toBe(404);
  });

  it('submits, takes verdicts and switchbacks as the token holder, never as an address in the body', async () => {
    const definition = project();
    const lead = await stack().links.personToken(LEAD.email);
    const owner = await stack().links.personToken(OWNER.email);
    await api('POST', '/projects', { body: definition, token: lead });
    const base = `/projects/${definition.id}/components/anomaly-model`;
    await eventually(async () => expect((await api('GET', base, { token: lead })).status).toBe(200));

    // Card updates are not part of this API; fill the card as the CLI would.
    await componentHandle(stack().harness.client, definition.id, 'anomaly-model').executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: FULL_CARD }] });

    const unsigned = await api<ErrorBody>('POST', `${base}/submit`, { body: { ethics: ETHICS } });
    expect(unsigned.status).toBe(401);
    const badJson = await api<ErrorBody>('POST', `${base}/submit`, { body: '{not json', token: lead });
    expect(badJson.json.error).toMatchObject({ kind: 'invalid' });
    const withBy = await api<ErrorBody>('POST', `${base}/submit`, { body: { ethics: ETHICS, by: RL1 }, token: lead });
    expect(withBy.status).toBe(400);
    expect(withBy.json.error.message).toContain('unknown key "by"');
    const submitted = await api<ComponentStatus>('POST', `${base}/submit`, { body: { ethics: ETHICS, note: 'First look' }, token: lead });
    expect(submitted.status).toBe(200);
    expect(submitted.json.openReview).toMatchObject({ submittedBy: LEAD.email });
    const reviewId = submitted.json.openReview!.id;

    // A typed-in reviewer is refused outright.
    const typed = await api<ErrorBody>('POST', `${base}/verdicts`, { body: { reviewId, reviewer: RL1, verdict: 'approve' }, token: owner });
    expect(typed.status).toBe(400);
    expect(typed.json.error.message).toContain('unknown key "reviewer"');
    // The owner's own token: the workflow's separation of duties refuses it.
    const ownVerdict = await api<ErrorBody>('POST', `${base}/verdicts`, { body: { reviewId, verdict: 'approve' }, token: owner });
    expect(ownVerdict.status).toBe(409);
    // A review link token answers its own review only.
    const { url } = await stack().links.reviewUrl({ reviewer: RL1, projectId: definition.id, componentId: 'anomaly-model', reviewId });
    const reviewToken = url.slice(url.lastIndexOf('/') + 1);
    const elsewhere = await api<ErrorBody>('POST', `/projects/${definition.id}/components/other/verdicts`, { body: { verdict: 'approve' }, token: reviewToken });
    expect(elsewhere.status).toBe(403);
    const approved = await api<ReviewState>('POST', `${base}/verdicts`, { body: { verdict: 'approve' }, token: reviewToken });
    expect(approved).toMatchObject({ status: 200, json: { reviewId, acknowledged: 'counted', open: false, outcome: 'approved', level: 1 } });
    const repeated = await api<ReviewState>('POST', `${base}/verdicts`, { body: { verdict: 'approve' }, token: reviewToken });
    expect(repeated.json.acknowledged).toBe('repeated');

    // A discovery switchback by the owner, back to Level 0.
    const noReason = await api<ErrorBody>('POST', `${base}/switchbacks`, { body: { targetLevel: 0, reason: ' ' }, token: owner });
    expect(noReason.status).toBe(400);
    expect((await api<ErrorBody>('POST', `${base}/switchbacks`, { body: { targetLevel: 0, reason: 'x' }, token: reviewToken })).status).toBe(403);
    const back = await api<ComponentStatus>('POST', `${base}/switchbacks`, { body: { targetLevel: 0, reason: 'The data readiness was overstated' }, token: owner });
    expect(back).toMatchObject({ status: 201, json: { level: 0, switchbacks: 1 } });
  });

  it('binds to loopback unless told otherwise', () => {
    expect(loadConfig({}).MLTRL_HTTP_HOST).toBe('127.0.0.1');
    expect(stack().http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
  it('lists projects and components a page at a time, filtered, and refuses a bad filter naming it', async () => {
    const lead = await tokenFromCli(LEAD.email);
    const components = ['a-model', 'b-model', 'c-model'].map((id, i) => ({ id, name: `Model ${id}`, kind: 'model' as const, entryLevel: i, owner: i === 2 ? { name: 'Other Owner', email: 'other-owner@lab.example' } : OWNER }));
    const mine = [project({ components }), project({ components })];
    for (const definition of mine) expect((await api('POST', '/projects', { body: definition, token: lead })).status).toBe(201);
    const [first, second] = mine.map((d) => d.id).sort();

    // Components report their level to their project shortly after they start.
    const byOwner = await eventually(async () => {
      const { json } = await api<ComponentList>('GET', `/components?project=${first}&owner=other-owner@lab.example`, { token: lead });
      expect(json.components.map((c) => [c.componentId, c.level, c.owner])).toEqual([['c-model', 2, 'other-owner@lab.example']]);
      return json;
    });
    expect(byOwner).toMatchObject({ total: 1, pages: 1, unreadable: [] });

    const page = async (n: number) => (await api<ComponentList>('GET', `/projects/${second}/components?pageSize=2&page=${n}&state=working`, { token: lead })).json;
    const [one, two] = [await page(1), await page(2)];
    expect([one.total, one.pages, one.components.map((c) => c.componentId), two.components.map((c) => c.componentId)]).toEqual([3, 2, ['a-model', 'b-model'], ['c-model']]);
    expect((await api<ComponentList>('GET', `/projects/${second}/components?level=1`, { token: lead })).json.components.map((c) => c.componentId)).toEqual(['b-model']);

    // Only these two projects have a component owned by other-owner: the owner filter finds both, a page at a time.
    const owned = await api<ProjectList>('GET', '/projects?owner=other-owner@lab.example&pageSize=1&page=2', { token: lead });
    expect(owned.json).toMatchObject({ total: 2, page: 2, pageSize: 1, pages: 2, unreadable: [] });
    expect(owned.json.projects.map((p) => p.projectId)).toEqual([second]);
    expect(owned.json.projects[0]).not.toHaveProperty('components.0.figures');

    for (const [query, field] of [
      ['pageSize=500', 'pageSize'],
      ['level=12', 'level'],
      ['state=sleeping', 'state'],
      ['colour=red', 'colour'],
    ]) {
      const refused = await api<ErrorBody>('GET', `/projects/${second}/components?${query}`, { token: lead });
      expect([refused.status, refused.json.error.message], query).toEqual([400, expect.stringContaining(field)]);
    }
    const metrics = await api<{ components: number; unreadable: unknown[] }>('GET', '/metrics', { token: lead });
    expect(metrics.status).toBe(200);
    expect(metrics.json.components).toBeGreaterThanOrEqual(6);
    expect(metrics.json.unreadable).toEqual([]);
  });
  it('answers what holds a project below a level, with each subsystem\'s level, and refuses a bad level naming the field', async () => {
    const lead = await tokenFromCli(LEAD.email);
    const definition = project({
      components: [
        { id: 'low-model', name: 'Low model', kind: 'model', entryLevel: 1, owner: OWNER },
        { id: 'high-model', name: 'High model', kind: 'model', entryLevel: 4, owner: OWNER, dependsOn: ['low-model'] },
      ],
      subsystems: [{ id: 'scoring', name: 'Scoring', components: ['low-model', 'high-model'] }],
    });
    expect((await api('POST', '/projects', { body: definition, token: lead })).status).toBe(201);
    const holding = await eventually(async () => {
      const { status, json } = await api<{ below: number; systemLevel: number; components: { componentId: string; level: number; subsystem?: string; gate?: { missingDeliverables: string[] } }[] }>(
        'GET',
        `/projects/${definition.id}/holding?level=3`,
        { token: lead },
      );
      expect(status).toBe(200);
      expect(json.components[0]?.gate).toBeDefined();
      return json;
    });
    expect(holding).toMatchObject({ below: 3, systemLevel: 1 });
    expect(holding.components.map((c) => [c.componentId, c.level, c.subsystem])).toEqual([['low-model', 1, 'scoring']]);
    expect(holding.components[0].gate?.missingDeliverables.length).toBeGreaterThan(0);
    const status = (await api<ProjectStatus>('GET', `/projects/${definition.id}`, { token: lead })).json;
    expect(status.subsystems).toEqual([{ id: 'scoring', name: 'Scoring', components: ['low-model', 'high-model'], level: 1 }]);

    for (const query of ['', '?level=12', '?level=two', '?level=3&colour=red']) {
      const refused = await api<ErrorBody>('GET', `/projects/${definition.id}/holding${query}`, { token: lead });
      expect([refused.status, refused.json.error.message], query).toEqual([400, expect.stringContaining(query.includes('colour') ? 'colour' : 'level')]);
    }
  });
});
