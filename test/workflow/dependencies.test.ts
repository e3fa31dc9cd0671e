/**
 * Systems of subsystems against a real Temporal server and an SMTP server on loopback: a project
 * whose components depend on each other (c on b, b on a) flags b and c when a switches back — on
 * their cards, in their history and by email to their owner — shows each subsystem's level, and
 * answers what holds the system below a level (through the CLI, as a user asks it).
 */
import { describe, expect, it } from 'vitest';
import { holdingBelow } from '../../src/portfolio/holding.js';
import { componentHandle, projectHandle, startProject } from '../../src/runtime/client.js';
import { cardQuery, dependencyFlaggedSignal, historyQuery, projectStatusQuery, statusQuery, switchbackUpdate } from '../../workflows/definitions.js';
import { runCli } from '../support/cli.js';
import { OWNER, project } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { useMailHarness } from '../support/mailHarness.js';
import { whenDone } from '../support/notifications.js';
import { approveAll, climb, fillCard, submit } from './steps.js';

const mail = useMailHarness();

const component = (id: string, entryLevel: number, dependsOn?: string[]) => ({
  id,
  name: `Component ${id}`,
  kind: 'model' as const,
  entryLevel,
  owner: OWNER,
  ...(dependsOn ? { dependsOn } : {}),
});

/** a ← b ← c (c depends on b, b on a), and d on its own; subsystems core = {a, b}, app = {c, d}. */
function system() {
  return project({
    components: [component('a', 1), component('b', 3, ['a']), component('c', 2, ['b']), component('d', 4)],
    subsystems: [
      { id: 'core', name: 'Core models', components: ['a', 'b'] },
      { id: 'app', name: 'Application', components: ['c', 'd'] },
    ],
  });
}

describe('a system of subsystems', () => {
  it('a switchback of a flags b and c (card, history, email), and the holding answer lists what is below the level asked', async () => {
    const { client, taskQueue } = mail.harness;
    const definition = system();
    await startProject(client, taskQueue, definition);
    const handle = (id: string) => componentHandle(client, definition.id, id);
    for (const id of ['a', 'b', 'c', 'd']) await eventually(() => handle(id).query(statusQuery));
    // a climbs from 1 to 3, so it has levels to fall back to; climbing flags nobody.
    await fillCard(handle('a'));
    await climb(handle('a'), 3);
    await eventually(async () => {
      const level = (await projectHandle(client, definition.id).query(projectStatusQuery)).components.find((c) => c.componentId === 'a')?.level;
      if (level !== 3) throw new Error(`the project has a at ${level}`);
    });

    // Each subsystem is as ready as its least ready component; the system as all of them.
    const before = await projectHandle(client, definition.id).query(projectStatusQuery);
    expect(before.systemLevel).toBe(2);
    expect(before.subsystems).toEqual([
      { id: 'core', name: 'Core models', components: ['a', 'b'], level: 3 },
      { id: 'app', name: 'Application', components: ['c', 'd'], level: 2 },
    ]);
    expect(before.components.find((c) => c.componentId === 'c')?.dependsOn).toEqual(['b']);

    await handle('a').executeUpdate(switchbackUpdate, {
      args: [{ by: OWNER.email, kind: 'discovery', targetLevel: 1, reason: 'the labelling protocol was wrong' }],
    });

    // b and c are flagged, each with the path that makes it depend on a; a and d are not.
    const flags = async (id: string) => (await handle(id).query(cardQuery)).dependencyFlags;
    const [b, c] = await eventually(async () => {
      const found = await Promise.all([flags('b'), flags('c')]);
      if (!found[0]?.length || !found[1]?.length) throw new Error('b and c are not both flagged yet');
      return found;
    });
    expect(b).toEqual([{ dependency: 'a', from: 3, to: 1, kind: 'discovery', reason: 'b depends on a', at: expect.any(Number) as number, open: true }]);
    expect(c).toEqual([{ dependency: 'a', from: 3, to: 1, kind: 'discovery', reason: 'c depends on b, which depends on a', at: expect.any(Number) as number, open: true }]);
    expect(await flags('a')).toBeUndefined();
    expect(await flags('d')).toBeUndefined();
    const cCard = await handle('c').query(cardQuery);
    expect(cCard.subsystem).toEqual({ id: 'app', name: 'Application' });
    expect(cCard.dependsOn).toEqual(['b']);
    // A flag is news, not a move: b and c keep their levels.
    expect((await handle('b').query(statusQuery)).level).toBe(3);

    // In the history, from the project, and the owner is emailed.
    for (const id of ['b', 'c']) {
      await whenDone(handle(id), 'notifyDependencyFlag');
      const history = await handle(id).query(historyQuery);
      expect(history).toContainEqual(expect.objectContaining({ who: 'project', what: 'dependencyFlagged', outcome: 'accepted', why: expect.stringContaining('a switched back 3 → 1 (discovery)') as string }));
      const mails = mail.sink.received.filter((m) => m.subject.startsWith('Dependency switched back') && m.text.includes(`(${definition.id}/${id})`));
      expect(mails).toHaveLength(1);
      expect(mails[0].to).toEqual([OWNER.email]);
      expect(mails[0].subject).toBe(`Dependency switched back: a of Component ${id} went to Level 1 — Neuropathology copilot`);
      expect(mails[0].text).toContain('a switched back from Level 3 to Level 1 (discovery switchback).');
    }

    // The system is now held at 1 by a (core at 1); what holds it below 3 is a and c, with their gates.
    const after = await projectHandle(client, definition.id).query(projectStatusQuery);
    expect(after.systemLevel).toBe(1);
    expect(after.subsystems?.map((s) => [s.id, s.level])).toEqual([
      ['core', 1],
      ['app', 2],
    ]);
    const holding = await holdingBelow(client, definition.id, 3);
    expect(holding.components.map((h) => [h.componentId, h.level, h.subsystem])).toEqual([
      ['a', 1, 'core'],
      ['c', 2, 'app'],
    ]);
    // a's card has what its gate asks (it climbed with it); c's has nothing yet.
    expect(holding.components[0].gate).toMatchObject({ level: 1, ready: true, missingDeliverables: [] });
    expect(holding.components[1].gate?.level).toBe(2);
    expect(holding.components[1].gate?.missingDeliverables.length).toBeGreaterThan(0);
    expect(holding.unreadable).toEqual([]);

    const cli = await runCli(['status', definition.id, '--below', '3'], { taskQueue });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('below Level 3: 2 components');
    expect(cli.stdout).toMatch(/a — Level 1 [^\n]*\(subsystem core\)\n {2}gate for Level 1:\n {4}ready to submit for the Level 1 review/);
    expect(cli.stdout).toMatch(/c — Level 2 [^\n]*\(subsystem app\)\n {2}gate for Level 2:\n {4}missing deliverables: /);
    expect(cli.stdout).not.toMatch(/^b — /m);
    const bad = await runCli(['status', definition.id, '--below', '12'], { taskQueue });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--below');

    // The panel of b's next review sees the open flag; its approval closes it.
    await fillCard(handle('b'));
    const review = await submit(handle('b'));
    await whenDone(handle('b'), 'notifyReviewOpened');
    const reviewMails = mail.sink.received.filter((m) => m.subject.startsWith('Review requested') && m.text.includes(`(${definition.id}/b)`));
    expect(reviewMails.length).toBeGreaterThan(0);
    for (const mail of reviewMails) expect(mail.text).toContain('Open dependency flags (a component this one depends on switched back):\n  - a switched back 3 → 1 (discovery): b depends on a');
    await approveAll(handle('b'), review);
    expect(await flags('b')).toEqual([expect.objectContaining({ dependency: 'a', open: false, closedBy: review.id })]);
    expect((await flags('c'))?.[0]?.open).toBe(true);
  });

  it('a bad flag payload is recorded as refused, and the component goes on', async () => {
    const definition = project();
    await startProject(mail.harness.client, mail.harness.taskQueue, definition);
    const handle = componentHandle(mail.harness.client, definition.id, 'anomaly-model');
    await eventually(() => handle.query(statusQuery));
    await handle.signal(dependencyFlaggedSignal, { dependency: 'Not A Slug', from: 3, to: 1, reason: 'x' });
    // And one that parses but is the component itself: the rules refuse it.
    await handle.signal(dependencyFlaggedSignal, { dependency: 'anomaly-model', from: 3, to: 1, reason: 'x' });
    const refusals = await eventually(async () => {
      const found = (await handle.query(historyQuery)).filter((e) => e.what === 'dependencyFlagged' && e.outcome === 'refused');
      if (found.length < 2) throw new Error('not both recorded yet');
      return found;
    });
    expect(refusals[0].why).toContain('dependency');
    expect(refusals[1].why).toBe('dependency: a component is not its own dependency');
    expect((await handle.query(cardQuery)).dependencyFlags).toBeUndefined();
    expect((await handle.query(statusQuery)).state).toBe('working');
  });
});
