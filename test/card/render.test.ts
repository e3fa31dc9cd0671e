/**
 * The TRL card rendered as JSON, Markdown and HTML from a card the machine really built: every
 * section present, requirements in risk order with flagged ones highlighted, user text escaped,
 * and a graduation snapshot that later edits leave alone.
 */
import { describe, expect, it } from 'vitest';
import { accept, begin } from '../../machines/accept.js';
import type { LifecycleEvent } from '../../machines/events.js';
import { levelDefinition } from '../../machines/levels.js';
import { ProjectDefinition, type CardPatch } from '../../machines/model.js';
import { riskMatrix } from '../../machines/riskMatrix.js';
import { cardView } from '../../machines/status.js';
import { cardToHtml } from '../../src/card/html.js';
import { cardToMarkdown } from '../../src/card/markdown.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';

type SentEvent = { type: LifecycleEvent['type'] } & Record<string, unknown>;

/** A component of `project(overrides)` driven through the machine, each event an hour after the last. */
function drive(overrides: Parameters<typeof project>[0] = {}) {
  const definition = ProjectDefinition.parse(project(overrides));
  let { snapshot } = begin({
    projectId: definition.id,
    component: definition.components[0],
    projectOwners: definition.owners,
    roster: definition.roster,
    policy: definition.policy,
    startedAt: Date.parse('2026-01-05T09:00:00Z'),
  });
  let at = Date.parse('2026-01-05T10:00:00Z');
  return {
    send: (event: SentEvent): void => {
      at += 3_600_000;
      const answer = accept(snapshot, { ...event, at } as unknown as LifecycleEvent);
      if (answer.kind !== 'accepted') throw new Error(`${event.type} not accepted: ${JSON.stringify(answer)}`);
      snapshot = answer.snapshot;
    },
    card: () => cardView(snapshot.context),
    review: () => snapshot.context.review!,
  };
}

/** A component that graduates 0→1→2, gets a debrief, then has its card edited after the graduations. */
function builtCard() {
  const { send, card, review: openReview } = drive();
  const patch = (p: CardPatch) => send({ type: 'UPDATE_CARD', by: OWNER.email, patch: p });
  patch(FULL_CARD);
  for (let level = 0; level < 2; level++) {
    send({ type: 'SUBMIT', by: LEAD.email, ethics: ETHICS });
    const review = openReview();
    for (const role of levelDefinition(level).roles) send({ type: 'VERDICT', reviewId: review.id, reviewer: reviewer(role).email, verdict: 'approve' });
  }
  patch({
    debriefs: [{ level: 1, done: 'Baselines on sample data', by: ['Sam'], punted: 'GPU inference', learned: 'Stain normalisation matters', debt: 'Notebook code' }],
    requirements: [
      { id: 'R2.1', statement: 'Works on <script>alert(1)</script> | slides', pFailure: 0.9, value: 9 },
      { id: 'R2.2', statement: 'Low-risk requirement', pFailure: 0.1, value: 2, mitigation: 'none needed' },
      { id: 'R2.3', statement: 'Mitigated risk', pFailure: 0.5, value: 8, mitigation: 'second reader' },
    ],
    versions: { code: '0.9.0', model: '0.5.0', data: '1.1.0' },
  });
  return card();
}

const SECTIONS = [
  '# TRL card',
  '## Versions',
  '## Requirements, by risk',
  '## Risk matrix',
  '## Model / algorithm',
  '## Intended use',
  '## Unacceptable uses',
  '## Testing status',
  '## Data considerations',
  '## Caveats, known edge cases, recommendations',
  '## Level deliverables',
  '## Code and data expectations',
  '## Stage debriefs',
  '## Ethics checklist',
  '## Requested changes',
  '## Level timeline',
  '## Switchbacks',
  '## Graduation snapshots',
  '## Revisions',
];

describe('the TRL card', () => {
  const card = builtCard();

  it('orders requirements by risk and flags those at or above the threshold', () => {
    expect(card.requirements.map((r) => [r.id, r.risk])).toEqual([['R2.1', 8.1], ['R2.3', 4], ['R1.1', 1], ['P1.1', 0.8], ['R2.2', 0.2]]);
    expect(card.requirements.filter((r) => r.flagged).map((r) => r.id)).toEqual(['R2.1', 'R2.3']);
  });

  it('keeps each graduation snapshot as it was, whatever the card says now', () => {
    expect(card.graduations.map((g) => g.level)).toEqual([0, 1]);
    expect(card.graduations[1].content.versions).toEqual(FULL_CARD.versions);
    expect(card.graduations[1].content.requirements.map((r) => r.id)).toEqual(['R1.1', 'P1.1']);
    expect(card.content.versions).toEqual({ code: '0.9.0', model: '0.5.0', data: '1.1.0' });
    expect(card.timeline.map((t) => [t.from, t.to, t.versions?.code])).toEqual([
      [null, 0, undefined],
      [0, 1, '0.3.0'],
      [1, 2, '0.3.0'],
    ]);
  });

  it('renders every section as Markdown, with flagged risks marked and user text escaped', () => {
    const md = cardToMarkdown(card);
    for (const heading of SECTIONS) expect(md).toContain(heading);
    expect(md.indexOf('R2.1')).toBeLessThan(md.indexOf('R2.3'));
    expect(md).toContain('<mark>R2.1 ⚠ flagged</mark>');
    expect(md).toContain('<mark>missing</mark>'); // R2.1 is flagged without a mitigation
    expect(md).toContain('second reader');
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;');
    expect(md).toContain('### Level 1 — Goal-oriented research');
    expect(md).toContain('Stain normalisation matters');
    expect(md).toContain('Who could be harmed');
    expect(md).toMatch(/\| 0 \| 2026-01-0\d \d\d:\d\d UTC \| r1 \|/);
  });

  it('renders every section as HTML, with no unescaped user markup', () => {
    const html = cardToHtml(card);
    expect(html).toMatch(/^<!doctype html>/);
    for (const heading of SECTIONS.slice(1)) expect(html).toContain(`<h2>${heading.slice(3).replace(/&/g, '&amp;')}</h2>`);
    expect(html).toContain('<mark>R2.1 ⚠ flagged</mark>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<table>');
  });

  it('names the policy profile, `default` when the project names none', () => {
    expect(card.summary.profile).toBe('default');
    expect(cardToMarkdown(card)).toContain('| Policy profile | default |');
  });

  it("lists the lean profile's panel as the current level's reviewers, and names the profile", () => {
    const lean = drive({ policy: { profile: 'lean' }, components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 4, owner: OWNER }] });
    const md = cardToMarkdown(lean.card());
    expect(md).toContain('| Policy profile | lean |');
    expect(md.match(/\| Reviewers: [a-z-]+ \|/g)).toEqual(['| Reviewers: applied-ai |', '| Reviewers: product |']);
  });

  it('states what each level reached expected of the code and the data', () => {
    expect(card.expectations.map((e) => [e.level, e.codeCaliber])).toEqual([[0, 'none'], [1, 'research'], [2, 'research']]);
    const md = cardToMarkdown(card);
    const section = md.slice(md.indexOf('## Code and data expectations'), md.indexOf('## Stage debriefs'));
    expect(section).toContain('### Level 0 — First principles');
    expect(section).toContain('### Level 1 — Goal-oriented research');
    expect(section).toContain('- **Code**: Research-caliber code: quick and dirty');
    expect(section).toContain('  - Sample data representative of downstream real datasets');
    expect(section).not.toContain('Level 3');
    expect(cardToHtml(card)).toContain('<li>Sample data representative of downstream real datasets: a subset of real data, synthetic data, or both.</li>');
  });

  it('says how many debriefs the graduations asked for, how many were written, and which are owed', () => {
    // Graduations from 0 and 1 asked for two; the debrief of Level 1 was written after its asking.
    expect(card.debriefLedger).toMatchObject({ asked: 2, written: 1, owed: [{ level: 0, reviewId: 'r1' }] });
    const md = cardToMarkdown(card);
    expect(md).toMatch(/Asked after 2 graduations, written for 1\. \*\*Still owed\*\*: Level 0 \(graduated with review r1, asked 2026-01-\d\d \d\d:\d\d UTC\)\./);
  });

  it('lists requested changes as work items with their resolutions (rules edition 2)', () => {
    const { send, card: current } = drive();
    send({ type: 'UPDATE_CARD', by: OWNER.email, patch: FULL_CARD });
    send({ type: 'SUBMIT', by: LEAD.email, ethics: ETHICS });
    const [role] = levelDefinition(0).roles;
    send({ type: 'VERDICT', reviewId: 'r1', reviewer: reviewer(role).email, verdict: 'request-changes', tasks: ['Add a third site', 'Report <b>stain</b> statistics'] });
    expect(cardToMarkdown(current())).toMatch(/\| t1 \| 0 \| r1 \| Add a third site \| <mark>open<\/mark> \| — \| — \|/);
    send({ type: 'SUBMIT', by: LEAD.email, ethics: ETHICS, resolutions: { t1: { status: 'done', note: 'site C added' }, t2: { status: 'carried', note: 'after the pilot' } } });
    const md = cardToMarkdown(current());
    expect(md).toMatch(/\| t1 \| 0 \| r1 \| Add a third site \| done \| site C added \(lead@[^|]+\) \| r2 \|/);
    expect(md).toMatch(/\| t2 \| 0 \| r1 \| Report &lt;b&gt;stain&lt;\/b&gt; statistics \| <mark>carried forward<\/mark> \| after the pilot/);
    expect(cardToHtml(current())).not.toContain('<b>stain');
  });

  it('carries its own risk matrix in the JSON view: each requirement in its pFailure × value cell, flags and missing mitigations marked', () => {
    const matrix = card.riskMatrix;
    const cells = matrix.rows.flatMap((row) => row.cells.filter((c) => c.entries.length).map((c) => [row.pFailure.label, c.value.label, c.entries.map((e) => [e.requirementId, e.flagged, e.unmitigated])]));
    expect(cells).toEqual([
      ['0.8–1', '9–10', [['R2.1', true, true]]],
      ['0.4–0.6', '7–8', [['R2.3', true, false]]],
      ['0.2–0.4', '5–6', [['R1.1', false, false]]],
      ['0–0.2', '1–2', [['R2.2', false, false]]],
      ['0–0.2', '7–8', [['P1.1', false, false]]],
    ]);
    expect(matrix.counts).toEqual({ total: 5, placed: 5, notPlaced: 0, flagged: 2, unmitigated: 1 });
    expect(matrix.unmitigated.map((e) => e.requirementId)).toEqual(['R2.1']);
  });

  it('renders the risk matrix in Markdown and HTML, bands as rows and columns and the marks in words', () => {
    const md = cardToMarkdown(card);
    const section = md.slice(md.indexOf('## Risk matrix'), md.indexOf('## Model / algorithm'));
    expect(section).toContain('⚠ flagged: risk ≥ 3');
    expect(section).toContain('5 requirements: 5 placed, 0 not placed; 2 flagged, 1 of them without a mitigation.');
    expect(section).toContain('| pFailure ↓ / value → | 1–2 | 3–4 | 5–6 | 7–8 | 9–10 |');
    expect(section).toContain('| **0.8–1** | — | — | — | — | <mark>R2.1 (8.1) ⚠ flagged, no mitigation</mark> |');
    expect(section).toContain('| **0.4–0.6** | — | — | — | <mark>R2.3 (4) ⚠ flagged</mark> | — |');
    expect(section).toContain('| **0–0.2** | R2.2 (0.2) | — | — | P1.1 (0.8) | — |');
    const html = cardToHtml(card);
    expect(html).toContain('<h2>Risk matrix</h2>');
    expect(html).toMatch(/<td><strong>0\.8–1<\/strong><\/td>\s*<td>—<\/td>\s*<td>—<\/td>\s*<td>—<\/td>\s*<td>—<\/td>\s*<td><mark>R2\.1 \(8\.1\) ⚠ flagged, no mitigation<\/mark><\/td>/);
  });

  it('lists requirements the matrix cannot place, and says so when a card has none', () => {
    const unrated = { ...card, riskMatrix: riskMatrix([{ componentId: 'anomaly-model', riskThreshold: 3, requirements: [{ id: 'R9.1', statement: 'Not rated', flagged: false }] }]) };
    const md = cardToMarkdown(unrated);
    expect(md).toContain('1 requirement: 0 placed, 1 not placed; 0 flagged, 0 of them without a mitigation.');
    expect(md).toContain('Not placed (no pFailure or value yet): R9.1 (—).');
    expect(md).not.toContain('pFailure ↓ / value →');
    expect(cardToMarkdown({ ...card, riskMatrix: riskMatrix([]) })).toContain('## Risk matrix\n\n_No requirements yet._');
  });

  it('round-trips as JSON', () => {
    expect(JSON.parse(JSON.stringify(card))).toEqual(card);
  });
});
