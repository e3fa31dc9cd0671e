/**
 * Replays the paper's five case studies through a running engine, so a newcomer sees realistic
 * cards, switchbacks and portfolio metrics in a minute:
 *
 *   npm start            # in one terminal
 *   npm run examples     # in another
 *
 * Projects that already exist are left as they are.
 */
import { readFileSync } from 'node:fs';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DEFAULT_ETHICS_CHECKLIST } from '../machines/ethics.js';
import { ProjectDefinition, type Person } from '../machines/model.js';
import { ClientError, call, componentHandle, connect, startProject } from '../src/runtime/client.js';
import { loadConfig } from '../src/runtime/config.js';
import { metricsText } from '../src/portfolio/report.js';
import { readMetrics } from '../src/portfolio/read.js';
import { ethicsItemsForLevel } from '../machines/ethics.js';
import {
  answerEthicsUpdate,
  branchUpdate,
  decideUpdate,
  reReviewDueSignal,
  reportVersionsUpdate,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
  updateCardUpdate,
  type ComponentStatus,
} from '../workflows/definitions.js';
import { STORIES, type ComponentStory, type Step } from './stories.js';

const ETHICS = Object.fromEntries(DEFAULT_ETHICS_CHECKLIST.map((item) => [item.id, 'Discussed at the review; see the ethics log.']));

export function loadExample(file: string, idSuffix = ''): ProjectDefinition {
  const raw = JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { id: string };
  return ProjectDefinition.parse({ ...raw, id: `${raw.id}${idSuffix}` });
}

class ComponentDriver {
  constructor(
    private readonly handle: WorkflowHandle,
    private readonly project: ProjectDefinition,
    private readonly owner: Person,
  ) {}

  private get lead(): string {
    return this.project.owners[0].email;
  }

  status(): Promise<ComponentStatus> {
    return this.handle.query(statusQuery);
  }

  async submit(proposal?: string, resolutions?: Record<string, { status: 'done'; note: string }>): Promise<NonNullable<ComponentStatus['openReview']>> {
    const status = await this.handle.executeUpdate(submitUpdate, {
      args: [{ by: this.lead, ethics: ETHICS, ...(proposal ? { proposal } : {}), ...(resolutions ? { resolutions } : {}) }],
    });
    return status.openReview!;
  }

  /** The first person on the roster for the review's first required role: the panelist who speaks up. */
  private firstPanelist(review: { requiredRoles: string[] }): Person {
    return this.project.roster[review.requiredRoles[0] as keyof ProjectDefinition['roster']]![0];
  }

  /** The first person on the roster for each required role approves. */
  async approve(review: { id: string; requiredRoles: string[] }): Promise<void> {
    for (const role of review.requiredRoles) {
      const reviewer = this.project.roster[role as keyof ProjectDefinition['roster']]![0];
      await this.handle.executeUpdate(decideUpdate, { args: [{ reviewId: review.id, reviewer: reviewer.email, verdict: 'approve' }] });
    }
  }

  /** The re-review a signal opened: signals are not answered, so the status is read until it shows. */
  private async openReReview(): Promise<NonNullable<ComponentStatus['openReview']>> {
    for (let attempt = 0; ; attempt++) {
      const review = (await this.status()).openReview;
      if (review?.reReview) return review;
      if (attempt > 100) throw new Error('the Level 9 re-review did not open');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async play(step: Step): Promise<void> {
    if ('climbTo' in step) {
      while ((await this.status()).level < step.climbTo) await this.approve(await this.submit());
    } else if ('decide' in step) {
      await this.approve(await this.submit(step.decide));
    } else if ('reviewSwitchback' in step) {
      const review = await this.submit();
      await this.handle.executeUpdate(decideUpdate, {
        args: [{ reviewId: review.id, reviewer: this.firstPanelist(review).email, verdict: 'switchback', targetLevel: step.reviewSwitchback.to, comment: step.reviewSwitchback.reason }],
      });
    } else if ('requestChanges' in step) {
      const review = await this.submit();
      await this.handle.executeUpdate(decideUpdate, {
        args: [{ reviewId: review.id, reviewer: this.firstPanelist(review).email, verdict: 'request-changes', tasks: step.requestChanges.tasks }],
      });
      // The requested changes are now open work items of this level; the next submit resolves each.
      const open = (await this.status()).gate.openTasks;
      await this.approve(await this.submit(undefined, Object.fromEntries(open.map((id) => [id, { status: 'done' as const, note: step.requestChanges.done }]))));
    } else if ('discovery' in step) {
      await this.handle.executeUpdate(switchbackUpdate, { args: [{ by: this.lead, kind: 'discovery', targetLevel: step.discovery.to, reason: step.discovery.reason }] });
    } else if ('reReviewSwitchback' in step) {
      // What the re-review schedule's fire does (workflows/level9ReReview.ts), without waiting for it.
      await this.handle.signal(reReviewDueSignal, { scheduledAt: new Date().toISOString() });
      const review = await this.openReReview();
      // A re-review first asks the owner for the Level 9 ethics checklist; the panel's verdicts count after.
      if (review.awaitingEthics) {
        const answers = Object.fromEntries(ethicsItemsForLevel(DEFAULT_ETHICS_CHECKLIST, review.level).map((item) => [item.id, 'Reviewed again for this re-review; see the ethics log.']));
        await this.handle.executeUpdate(answerEthicsUpdate, { args: [{ by: this.owner.email, answers }] });
      }
      await this.handle.executeUpdate(decideUpdate, {
        args: [{ reviewId: review.id, reviewer: this.firstPanelist(review).email, verdict: 'switchback', targetLevel: step.reReviewSwitchback.to, comment: step.reReviewSwitchback.reason }],
      });
    } else if ('branch' in step) {
      await this.handle.executeUpdate(branchUpdate, { args: [{ by: this.lead, ...step.branch }] });
    } else if ('debrief' in step) {
      await this.handle.executeUpdate(updateCardUpdate, { args: [{ by: this.owner.email, patch: { debriefs: [step.debrief] } }] });
    } else {
      await this.handle.executeUpdate(reportVersionsUpdate, { args: [{ by: this.owner.email, versions: step.versions }] });
    }
  }
}

async function waitForComponent(handle: WorkflowHandle): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await handle.query(statusQuery);
      return;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function replayComponent(client: Client, project: ProjectDefinition, story: ComponentStory): Promise<void> {
  const definition = project.components.find((c) => c.id === story.componentId)!;
  const handle = componentHandle(client, project.id, story.componentId);
  await waitForComponent(handle);
  await handle.executeUpdate(updateCardUpdate, { args: [{ by: definition.owner.email, patch: story.card }] });
  const driver = new ComponentDriver(handle, project, definition.owner);
  for (const step of story.steps) await driver.play(step);
}

/** Replays every story; returns the ids of the projects it started (existing ones are skipped). */
export async function replayStories(client: Client, taskQueue: string, options: { idSuffix?: string; log?: (line: string) => void } = {}): Promise<string[]> {
  const log = options.log ?? (() => {});
  const started: string[] = [];
  for (const story of STORIES) {
    const project = loadExample(story.file, options.idSuffix);
    try {
      await startProject(client, taskQueue, project);
    } catch (error) {
      if (error instanceof ClientError && error.kind === 'conflict') {
        log(`${project.id}: already there, left as it is`);
        continue;
      }
      throw error;
    }
    log(`${project.id}: ${story.summary}…`);
    await call(() => Promise.all(story.components.map((component) => replayComponent(client, project, component))));
    started.push(project.id);
  }
  return started;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const client = await connect(config);
  try {
    const started = await replayStories(client, config.MLTRL_TASK_QUEUE, { log: (line) => console.log(line) });
    console.log(`\nreplayed ${started.length} project${started.length === 1 ? '' : 's'}. Portfolio now:\n`);
    const scope = { taskQueue: config.MLTRL_TASK_QUEUE };
    const metrics = await readMetrics(client, scope);
    console.log(metricsText(metrics));
    console.log('\nSee a card:  npx mltrl card etalumis/inference-engine --format md');
  } finally {
    await client.connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`examples: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
