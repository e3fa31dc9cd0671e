/**
 * The whole journey in Chromium, through the real local OpenID provider, the real engine and a real
 * SMTP server: a team lead signs in, starts a project from the form, fills the card, finds the
 * panel short of a reviewer, adds one on the roster form, and submits; each reviewer opens the
 * review link from their email and approves; the lead's component page, open all along, shows the
 * new level without a reload. An operator triggers a re-review of the project's Level 9 component
 * from the operators' page and sees it open. Someone not on the project is refused on every form
 * and route they try, and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ETHICS_CHECKLIST } from '../../machines/ethics.js';
import { listReReviewSchedules } from '../../src/portfolio/schedules.js';
import { componentHandle, projectHandle } from '../../src/runtime/client.js';
import { projectRosterQuery, reReviewScheduleId, statusQuery } from '../../workflows/definitions.js';
import { launchPeople, type People } from '../support/browser.js';
import { ETHICS, LEAD, OWNER, reviewer, uniqueId } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { useSignInStack } from '../support/signInStack.js';
import { startSourceComponent, type Source } from '../support/sources.js';

const OPERATOR = { email: 'olga.ops@lab.example', name: 'Olga Operator' };
const OUTSIDER = { email: 'outsider@elsewhere.example', name: 'Oscar Outsider' };
const FIRST_LEAD = reviewer('research-lead', 1);
/** Not in the project file: the lead adds her on the roster form, and her email comes all the same. */
const SECOND_LEAD = { name: 'Rhea Second', email: 'rhea.second@lab.example' };

const stack = useSignInStack(
  [
    { ...LEAD, note: 'team lead, project owner' },
    { ...OPERATOR, note: 'operator' },
    OUTSIDER,
  ],
  { operators: [OPERATOR.email], mail: true },
);

let people: People;
let source: Source;
beforeAll(async () => {
  people = await launchPeople();
  source = await startSourceComponent(stack().harness.client, stack().harness.taskQueue);
});
afterAll(async () => {
  await people?.close();
});

const url = (path: string) => `${stack().http.url}${path}`;

describe('the whole journey', () => {
  it('from a new project to an approved level, a triggered re-review, and an outsider refused everywhere', async () => {
    const { client } = stack().harness;
    const definition = {
      id: uniqueId('journey'),
      name: 'Neuropathology copilot',
      owners: [LEAD],
      roster: {
        'research-lead': [FIRST_LEAD],
        researcher: [reviewer('researcher', 1), reviewer('researcher', 2)],
        product: [reviewer('product', 1), reviewer('product', 2)],
        'applied-ai': [reviewer('applied-ai', 1), reviewer('applied-ai', 2)],
        qa: [reviewer('qa', 1), reviewer('qa', 2)],
      },
      components: [
        { id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 0, owner: OWNER },
        // Deployed before the project used mltrl: adopted at Level 9, so it has a re-review schedule from the start.
        { id: 'meteor-detector', name: 'Meteor detector', kind: 'model', entryLevel: 9, owner: OWNER, provenance: { kind: 'adopted', projectId: source.projectId, componentId: source.componentId, level: 9 } },
      ],
      // Two research leads must approve Level 0; the file names one.
      policy: { approvalsPerRole: 2, rereviewEvery: '30 days' },
    };
    const componentPath = `/projects/${definition.id}/components/anomaly-model`;
    const anomaly = componentHandle(client, definition.id, 'anomaly-model');

    // --- The team lead: signs in from the dashboard and starts the project from the form.
    const lead = await people.newPerson();
    await lead.goto(url('/'));
    await Promise.all([lead.waitForURL(`${stack().provider.issuer}/interaction/**`), lead.locator('header.site').getByRole('link', { name: 'Sign in' }).click()]);
    await Promise.all([lead.waitForURL(url('/')), lead.getByRole('button', { name: new RegExp(LEAD.email) }).click()]);
    await lead.getByRole('link', { name: 'Start a project' }).click();
    await lead.getByLabel('Project file (JSON)').fill(JSON.stringify(definition, null, 2));
    await Promise.all([lead.waitForURL(url(`/projects/${definition.id}`)), lead.getByRole('button', { name: 'Start the project' }).click()]);
    await expect.poll(() => anomaly.query(statusQuery).then((s) => s.level, () => -1)).toBe(0);

    // The card: Level 0's deliverables and a requirement.
    await lead.goto(url(componentPath));
    await lead.getByRole('link', { name: 'Edit the card' }).click();
    await lead.getByLabel('Hypotheses').fill('Unsupervised anomaly detection finds rare pathologies.');
    await lead.getByLabel('Literature').fill('Reviewed 40 papers.');
    await lead.getByLabel('Data readiness').fill('Level C: raw slides, sparse labels.');
    await lead.locator('#f-requirements-0-id').fill('R1.1');
    await lead.locator('#f-requirements-0-statement').fill('Detect anomalies at AUROC >= 0.85');
    await lead.locator('#f-requirements-0-pFailure').fill('0.2');
    await lead.locator('#f-requirements-0-value').fill('5');
    await Promise.all([lead.waitForURL(url(componentPath)), lead.getByRole('button', { name: 'Save the card' }).click()]);
    expect((await anomaly.query(statusQuery)).gate.missingDeliverables).toEqual([]);

    // The gate says the panel is short: two research leads are needed and the roster has one.
    await lead.getByRole('link', { name: 'Submit Level 0 for review' }).click();
    expect(await lead.locator('#gate').locator('..').innerText()).toContain('not enough eligible reviewers: research-lead');

    // The roster form, from the project page: a second research lead.
    await lead.goto(url(`/projects/${definition.id}`));
    await lead.getByRole('link', { name: 'Edit the roster' }).click();
    await lead.getByLabel('Role').selectOption('research-lead');
    await lead.getByLabel('Name').fill(SECOND_LEAD.name);
    await lead.getByLabel('Email').fill(SECOND_LEAD.email);
    await Promise.all([lead.waitForURL(/\/roster\?done=added/), lead.getByRole('button', { name: 'Add to the roster' }).click()]);
    expect(await lead.getByRole('status').first().innerText()).toContain(`${SECOND_LEAD.email} added to research-lead`);
    expect(await lead.locator('section[data-role="research-lead"]').innerText()).toContain(SECOND_LEAD.email);
    expect((await projectHandle(client, definition.id).query(projectRosterQuery))['research-lead']).toEqual([FIRST_LEAD, SECOND_LEAD]);

    // Submit: the gate is clear now (the component has the new roster), the ethics checklist answered on the form.
    // The project tells its components in the same update; each takes it on its next turn.
    await expect
      .poll(async () => {
        await lead.goto(url(`${componentPath}/submit`));
        return lead.locator('#gate').locator('..').innerText();
      })
      .toContain('Every deliverable of Level 0 is on the card');
    for (const item of DEFAULT_ETHICS_CHECKLIST.filter((i) => i.stage === 'pre-development')) await lead.locator(`#f-ethics-${item.id}`).fill('Reviewed with the ethics board.');
    await Promise.all([lead.waitForURL(url(componentPath)), lead.getByRole('button', { name: 'Submit for review' }).click()]);
    const opened = await anomaly.query(statusQuery);
    expect(opened).toMatchObject({ state: 'in-review', level: 0, openReview: { submittedBy: LEAD.email } });
    const reviewId = opened.openReview!.id;
    // The lead's page stays open from here on: a reload would drop this mark.
    await lead.evaluate('window.stayed = true');
    const badge = () => lead.locator('main h1 + p').innerText();
    expect(await badge()).toContain('Level 0');

    // --- The reviewers: each opens the link in their own email and approves; one is on a phone.
    for (const [index, who] of [FIRST_LEAD, SECOND_LEAD].entries()) {
      const [mail] = await stack().sink!.waitFor((m) => m.to.includes(who.email) && m.subject.startsWith('Review requested: Anomaly detector, Level 0'));
      const page = await people.newPerson(index === 0 ? { width: 390, height: 844 } : undefined);
      const link = stack().linkIn(mail);
      expect((await page.goto(link))?.status()).toBe(200);
      expect(await page.locator('main').innerText()).toContain(`You are answering as ${who.email}`);
      await page.locator('#confirm').check();
      await Promise.all([page.waitForURL(link), page.getByRole('button', { name: 'Approve' }).click()]);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Thank you: your verdict is in');
      expect(await page.locator('main').innerText()).toContain(index === 0 ? 'The review stays open: still waiting for research-lead' : `Review ${reviewId} is closed: approved.`);
      await page.context().close();
    }
    expect(await anomaly.query(statusQuery)).toMatchObject({ level: 1, state: 'working', openReview: null });

    // The lead's page, never reloaded, shows the new level.
    await expect.poll(badge).toContain('Level 1');
    expect(await lead.locator('#review').locator('..').innerText()).toContain('No review is open.');
    expect(await lead.evaluate('window.stayed')).toBe(true);
    await lead.context().close();

    // --- An operator (MLTRL_OPERATORS) triggers a re-review of the Level 9 component and sees it open.
    await eventually(async () => expect((await listReReviewSchedules(client, { taskQueue: stack().harness.taskQueue })).map((s) => s.scheduleId)).toContain(reReviewScheduleId(definition.id, 'meteor-detector')));
    const operator = await people.newPerson();
    await Promise.all([operator.waitForURL(`${stack().provider.issuer}/interaction/**`), operator.goto(url('/operators'))]);
    await Promise.all([operator.waitForURL(url('/operators')), operator.getByRole('button', { name: new RegExp(OPERATOR.email) }).click()]);
    const row = operator.locator(`tr[data-component="${definition.id}/meteor-detector"]`);
    await expect.poll(() => row.innerText()).toContain('no review open');
    await Promise.all([operator.waitForURL(/\/operators\?done=trigger/), row.getByRole('button', { name: 'Trigger a re-review now' }).click()]);
    await row.getByRole('link', { name: `${definition.id}/meteor-detector` }).click();
    await expect.poll(() => operator.locator('#review').locator('..').innerText()).toContain("Waiting for the owner's ethics answers");
    const meteor = componentHandle(client, definition.id, 'meteor-detector');
    expect((await meteor.query(statusQuery)).openReview).toMatchObject({ reReview: true, awaitingEthics: true, level: 9, submittedBy: 'system' });
    await operator.context().close();

    // --- Someone not on the project: no forms anywhere, and every post refused with nothing changed.
    const outsider = await people.newPerson();
    await outsider.goto(url(`${componentPath}/edit`));
    expect(await outsider.locator('h1').innerText()).toBe('Sign in first');
    await Promise.all([outsider.waitForURL(`${stack().provider.issuer}/interaction/**`), outsider.getByRole('main').getByRole('link', { name: 'Sign in' }).click()]);
    await Promise.all([outsider.waitForURL(url(`${componentPath}/edit`)), outsider.getByRole('button', { name: new RegExp(OUTSIDER.email) }).click()]);
    expect(await outsider.locator('h1').innerText()).toBe('Edit the card: refused');

    await outsider.goto(url(componentPath));
    expect(await outsider.locator('main').innerText()).not.toContain('What you can do');
    expect(await outsider.locator('main form[method="post"]').count()).toBe(0);
    await outsider.goto(url(`/projects/${definition.id}`));
    expect(await outsider.getByRole('link', { name: /Add a component|Edit the roster/ }).count()).toBe(0);
    expect(await outsider.locator('header.site').getByRole('link', { name: 'Re-reviews' }).count()).toBe(0);

    const before = {
      anomaly: await anomaly.query(statusQuery),
      meteor: await meteor.query(statusQuery),
      roster: await projectHandle(client, definition.id).query(projectRosterQuery),
      fires: (await client.schedule.getHandle(reReviewScheduleId(definition.id, 'meteor-detector')).describe()).info.recentActions.length,
    };
    const origin = stack().http.url;
    const get = async (path: string) => (await outsider.request.get(url(path), { maxRedirects: 0 })).status();
    const post = async (path: string, form: Record<string, string>) => {
      const answer = await outsider.request.post(url(path), { form, headers: { origin }, maxRedirects: 0 });
      return { status: answer.status(), text: await answer.text() };
    };
    const meteorPath = `/projects/${definition.id}/components/meteor-detector`;
    expect(await get(`${componentPath}/edit`)).toBe(403);
    expect(await get(`${componentPath}/submit`)).toBe(403);
    expect(await get(`/projects/${definition.id}/add-component`)).toBe(403);
    expect(await get(`/projects/${definition.id}/roster`)).toBe(403);

    const attempts: [string, Record<string, string>, string][] = [
      [`${componentPath}/edit`, { techName: 'Hijacked' }, `${OUTSIDER.email} is not an owner or on the roster of this project`],
      [`${componentPath}/submit`, { proposal: 'graduate', ...Object.fromEntries(Object.entries(ETHICS).map(([id, answer]) => [`ethics.${id}`, answer])) }, `${OUTSIDER.email} is not an owner or on the roster of this project`],
      [`${componentPath}/actions/pause`, { reason: 'mine now' }, 'may pause it'],
      [`${componentPath}/actions/retire`, { reason: 'mine now' }, 'may retire it'],
      [`${componentPath}/actions/resume`, { reason: 'mine now' }, `${OUTSIDER.email} may not resume`],
      [`${componentPath}/actions/switchback`, { targetLevel: '0', reason: 'mine now' }, 'a discovery switchback is raised by an owner or a member of the Level 1 panel'],
      [`${componentPath}/actions/branch`, { componentId: 'stolen-copy', level: '0' }, 'may branch it'],
      [`${meteorPath}/actions/answer-ethics`, Object.fromEntries(Object.entries(ETHICS).map(([id, answer]) => [`answers.${id}`, answer])), 'answers the ethics checklist'],
      [`/projects/${definition.id}/add-component`, { id: 'stolen', name: 'Stolen', kind: 'model', entryLevel: '0', 'owner.name': OUTSIDER.name, 'owner.email': OUTSIDER.email }, `only a project owner may add a component; ${OUTSIDER.email} is not an owner of ${definition.id}`],
      [`/projects/${definition.id}/roster/add`, { role: 'research-lead', name: OUTSIDER.name, email: OUTSIDER.email }, 'only a project owner may edit the roster'],
      [`/projects/${definition.id}/roster/remove`, { role: 'research-lead', email: FIRST_LEAD.email }, 'only a project owner may edit the roster'],
      [`/operators/${definition.id}/meteor-detector/trigger`, {}, `${OUTSIDER.email} may not steer`],
      ['/projects/new', { project: JSON.stringify({ ...definition, id: `${definition.id}-copy` }) }, `${OUTSIDER.email} is not among the project&#39;s owners`],
    ];
    for (const [path, form, why] of attempts) {
      const answer = await post(path, form);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.text).toContain(why);
    }

    expect(await anomaly.query(statusQuery)).toMatchObject({ level: before.anomaly.level, state: before.anomaly.state, cardRevision: before.anomaly.cardRevision });
    expect(await meteor.query(statusQuery)).toMatchObject({ level: 9, state: before.meteor.state, openReview: { id: before.meteor.openReview!.id, awaitingEthics: true } });
    expect(await projectHandle(client, definition.id).query(projectRosterQuery)).toEqual(before.roster);
    expect((await client.schedule.getHandle(reReviewScheduleId(definition.id, 'meteor-detector')).describe()).info.recentActions.length).toBe(before.fires);
    await expect(componentHandle(client, definition.id, 'stolen').describe()).rejects.toThrow();
    await expect(componentHandle(client, definition.id, 'stolen-copy').describe()).rejects.toThrow();
    await outsider.context().close();
  });
});
