/**
 * Component records for timing the metrics computation: each one is the real status and card
 * (machines/status.ts `componentStatus`, `cardView`) of a component driven through the pure
 * lifecycle machine — entry at 0 to 4, some levels earned, changes requested now and then, a few
 * switchbacks, some left in review, paused or retired — over a year of simulated time.
 * Deterministic for a given seed.
 */
import { accept, begin, type LifecycleSnapshot } from '../machines/accept.js';
import type { LifecycleEvent } from '../machines/events.js';
import { levelDefinition, MAX_LEVEL } from '../machines/levels.js';
import { openTasksAt } from '../machines/tasks.js';
import { ProjectDefinition, type CardContent } from '../machines/model.js';
import { cardView, componentStatus, systemLevel, type CardView, type ComponentStatus } from '../machines/status.js';
import { componentRecord } from '../src/portfolio/metrics.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../test/support/fixtures.js';

export interface ComponentRecord {
  status: ComponentStatus;
  card: CardView;
}

/** The record src/portfolio/metrics.ts computes over, mapped exactly as for a live component. */
export function metricsRecord({ status, card }: ComponentRecord) {
  return componentRecord(status, card);
}

/** The project records src/portfolio/metrics.ts takes beside the components: id, name and system level. */
export function projectRecords(records: readonly ComponentRecord[]) {
  const byProject = new Map<string, ComponentStatus[]>();
  for (const { status } of records) byProject.set(status.projectId, [...(byProject.get(status.projectId) ?? []), status]);
  return [...byProject].map(([projectId, statuses]) => ({ projectId, name: `Project ${projectId}`, systemLevel: systemLevel(statuses) }));
}

const DAY = 86_400_000;
const END = Date.UTC(2026, 5, 30);

/** mulberry32: a small seeded generator, so every run times the same records. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Snapshot = LifecycleSnapshot;

export function syntheticRecords(count: number, seed = 20_260_630): ComponentRecord[] {
  const rand = random(seed);
  const projects = Array.from({ length: Math.ceil(count / 50) }, (_, i) => ProjectDefinition.parse(project({ id: `metrics-${i + 1}` })));
  const records: ComponentRecord[] = [];
  for (let i = 0; i < count; i++) {
    const definition = projects[Math.floor(i / 50)];
    const entryLevel = i % 5;
    let at = END - Math.floor((30 + rand() * 335) * DAY);
    let snapshot: Snapshot = begin({
      projectId: definition.id,
      component: {
        id: `c-${String(i + 1).padStart(4, '0')}`,
        name: `Component ${i + 1}`,
        kind: (['model', 'algorithm', 'data-pipeline', 'software'] as const)[i % 4],
        entryLevel,
        owner: OWNER,
        ...(rand() < 0.3 ? { target: { level: Math.min(MAX_LEVEL, entryLevel + 4), date: '2026-12-31' } } : {}),
      },
      projectOwners: definition.owners,
      roster: definition.roster,
      policy: definition.policy,
      startedAt: at,
      card: { requirements: [] } satisfies CardContent,
    }).snapshot;
    // As every entry of the workflow does: an event the rules refuse changes nothing.
    const send = (event: LifecycleEvent) => {
      const answer = accept(snapshot, event);
      if (answer.kind === 'accepted') snapshot = answer.snapshot;
    };
    const step = () => (at += Math.floor((0.5 + rand() * 6) * DAY));
    const openReview = () => {
      // Requested changes of the level are resolved as done (rules edition 2).
      const resolutions = Object.fromEntries(openTasksAt(snapshot.context, snapshot.context.level).map((t) => [t.id, { status: 'done' as const, note: 'added' }]));
      send({ type: 'SUBMIT', at: step(), by: LEAD.email, ethics: ETHICS, proposal: levelDefinition(snapshot.context.level).proposals[0], resolutions });
      const review = snapshot.context.review;
      if (!review) throw new Error(`record ${i}: submit refused at Level ${snapshot.context.level}`);
      return review;
    };

    send({ type: 'UPDATE_CARD', at: step(), by: OWNER.email, patch: FULL_CARD });
    const goal = entryLevel + Math.floor(rand() * (MAX_LEVEL - entryLevel + 1));
    while (snapshot.context.level < goal) {
      const level = snapshot.context.level;
      let review = openReview();
      const roles = levelDefinition(level).roles;
      if (rand() < 0.2) {
        send({ type: 'VERDICT', at: step(), reviewId: review.id, reviewer: reviewer(roles[0]).email, verdict: 'request-changes', tasks: ['add a data slice'] });
        review = openReview();
      }
      for (const role of roles) send({ type: 'VERDICT', at: step(), reviewId: review.id, reviewer: reviewer(role).email, verdict: 'approve' });
      if (snapshot.context.level !== level + 1) throw new Error(`record ${i}: Level ${level} review did not graduate`);
    }
    if (snapshot.context.level > entryLevel + 1 && rand() < 0.1) {
      send({ type: 'SWITCHBACK', at: step(), by: OWNER.email, targetLevel: entryLevel, reason: 'data leak found in validation' });
    }
    const ending = rand();
    if (ending < 0.2 && snapshot.context.level < MAX_LEVEL) openReview();
    else if (ending < 0.3) send({ type: 'PAUSE', at: step(), by: OWNER.email, reason: 'waiting on data access' });
    else if (ending < 0.35) send({ type: 'RETIRE', at: step(), by: OWNER.email, reason: 'superseded' });
    records.push({ status: componentStatus(snapshot.value, snapshot.context, END), card: cardView(snapshot.context) });
  }
  return records;
}
