/**
 * Replays the paper's five case studies through a running engine, so a newcomer sees realistic
 * cards, switchbacks and portfolio metrics in a minute:
 *
 *   npm start            # in one terminal
 *   npm run examples     # in another
 *
 * A sixth case keeps its model in MLflow and is replayed only when MLflow answers at
 * MLTRL_MLFLOW_URL (`MLTRL_LOCAL_MLFLOW=1 MLTRL_LOCAL_ALERTMANAGER=1 npm start` runs one and prints
 * the command). Projects that already exist are left as they are.
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
import { createHash } from 'node:crypto';
import { MLFLOW_ACTOR, semverOfMlflowVersion } from '../machines/integrations.js';
import { ALERTMANAGER_PATH } from '../src/http/integrations/alertmanager.js';
import { reportRegistryVersion } from '../src/integrations/mlflowLinks.js';
import { MlflowError, mlflowRegistry } from '../src/integrations/mlflowRegistry.js';
import { answersOk } from '../src/local/childServer.js';
import { ALERTMANAGER_TOKEN_FILE } from '../src/local/integrations.js';
import { configuredLinkSecret } from '../src/local/linkSecret.js';
import { publicUrl } from '../src/runtime/config.js';
import { MLFLOW_STORY, STORIES, type ComponentStory, type Step } from './stories.js';

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

  /** The re-review a signal (or an alert) opened: neither is answered, so the status is read until it shows. */
  async openReReview(attempts = 100): Promise<NonNullable<ComponentStatus['openReview']>> {
    for (let attempt = 0; ; attempt++) {
      const review = (await this.status()).openReview;
      if (review?.reReview) return review;
      if (attempt > attempts) throw new Error('the Level 9 re-review did not open');
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

async function replayComponent(client: Client, project: ProjectDefinition, story: ComponentStory): Promise<ComponentDriver> {
  const definition = project.components.find((c) => c.id === story.componentId)!;
  const handle = componentHandle(client, project.id, story.componentId);
  await waitForComponent(handle);
  await handle.executeUpdate(updateCardUpdate, { args: [{ by: definition.owner.email, patch: story.card }] });
  const driver = new ComponentDriver(handle, project, definition.owner);
  for (const step of story.steps) await driver.play(step);
  return driver;
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every half second until it answers something, or `timeoutMs` passes (undefined). */
async function within<T>(timeoutMs: number, check: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined || Date.now() > deadline) return found;
    await sleep(500);
  }
}

export interface MlflowReplayOptions {
  /** MLflow's tracking server, where the story registers its model. */
  mlflowUrl: string;
  /** Alertmanager's API: the drift alert goes there, and Alertmanager sends it on to mltrl. */
  alertmanagerUrl?: string;
  /** Without Alertmanager: mltrl's own address and the token of its Alertmanager route. */
  mltrl?: { url: string; token: string };
  /** The alert labels naming project and component (MLTRL_ALERTMANAGER_PROJECT_LABEL, …_COMPONENT_LABEL). */
  labels?: { project: string; component: string };
  idSuffix?: string;
  log?: (line: string) => void;
  /** How long the new version's webhook delivery is waited for before catching up from the registry. Default 20 s. */
  webhookWaitMs?: number;
}

export interface MlflowReplay {
  projectId: string;
  /** The registered model's name in MLflow. */
  model: string;
  /** The version that climbed to 9, and the one registered after. */
  approvedVersion: number;
  newVersion: number;
  /** How mltrl heard of the new version: MLflow's webhook, or the replay's catch-up read when none came. */
  heardBy: 'webhook' | 'catch-up';
  /** Where the drift alert went; `skipped` when neither Alertmanager nor mltrl's route was available. */
  alertVia: 'alertmanager' | 'mltrl' | 'skipped';
  /** The re-review the alert opened. */
  reReviewId?: string;
}

/**
 * The sixth case, with its model in MLflow: registers the model and its first version, climbs both
 * components to 9 (the worker sets the alias on that version), registers a new version (MLflow's
 * webhook sends the detector back to 7 and the worker removes the alias), then raises the drift alert
 * that opens the calibration's re-review, left open for the owner and panel. Undefined when the
 * project exists already (left as it is).
 */
export async function replayMlflowStory(client: Client, taskQueue: string, options: MlflowReplayOptions): Promise<MlflowReplay | undefined> {
  const log = options.log ?? (() => {});
  const story = MLFLOW_STORY;
  const loaded = loadExample(story.file, options.idSuffix);
  const model = `${loaded.components.find((c) => c.id === story.linked.componentId)!.integrations!.mlflow!.model}${options.idSuffix ?? ''}`;
  // The registered model's name carries the suffix too: each test run gets its own in a shared MLflow.
  const project = ProjectDefinition.parse({
    ...loaded,
    components: loaded.components.map((c) => (c.id === story.linked.componentId ? { ...c, integrations: { mlflow: { ...c.integrations!.mlflow!, model } } } : c)),
  });
  try {
    await startProject(client, taskQueue, project);
  } catch (error) {
    if (error instanceof ClientError && error.kind === 'conflict') {
      log(`${project.id}: already there, left as it is`);
      return undefined;
    }
    throw error;
  }
  log(`${project.id}: ${story.summary}…`);

  const registry = mlflowRegistry(options.mlflowUrl);
  try {
    await registry.call('POST', 'registered-models/create', { name: model, description: story.linked.registeredModel });
  } catch (error) {
    // Registered by an earlier replay against the same MLflow: its next version is this story's first.
    if (!(error instanceof MlflowError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
  }
  // Each version comes from a training run, as a team's training job would log it (the run is where
  // evidence-backed gates will read metrics from); MLflow accepts only such a source for a local model.
  const register = async (description: string) => {
    const { run } = await registry.call<{ run: { info: { run_id: string } } }>('POST', 'runs/create', {
      experiment_id: '0',
      run_name: `${model} ${description.split(/[,.:]/)[0].toLowerCase()}`,
      start_time: Date.now(),
    });
    const runId = run.info.run_id;
    await registry.call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
    const { model_version } = await registry.call<{ model_version: { version: string } }>('POST', 'model-versions/create', { name: model, source: `runs:/${runId}/model`, run_id: runId, description });
    return { version: Number(model_version.version), runId };
  };
  const { version: approvedVersion, runId: trainingRun } = await register(story.linked.firstVersion);
  log(`${project.id}: MLflow ${model} version ${approvedVersion} registered`);

  // The evidence its Level 7 and 8 gates read: the training run's held-out metric, and the version's validation tag.
  const { testSuites, deploymentTests } = story.linked.evidence;
  await registry.call('POST', 'runs/log-metric', { run_id: trainingRun, key: testSuites.metric, value: testSuites.logged, timestamp: Date.now(), step: 0 });
  await registry.call('POST', 'model-versions/set-tag', { name: model, version: String(approvedVersion), ...deploymentTests.tag });
  const checks = {
    testSuites: { mlflow: { runId: trainingRun, metric: testSuites.metric, atLeast: testSuites.atLeast }, note: testSuites.note },
    deploymentTests: { mlflow: { model, version: String(approvedVersion), tag: deploymentTests.tag }, note: deploymentTests.note },
  };
  const linkedStory = { ...story.linked, card: { ...story.linked.card, ...checks, versions: { ...story.linked.card.versions, model: semverOfMlflowVersion(approvedVersion) } } };
  const [detector, calibration] = await call(() => Promise.all([replayComponent(client, project, linkedStory), replayComponent(client, project, story.monitored)]));
  const alias = project.components.find((c) => c.id === story.linked.componentId)!.integrations!.mlflow!.alias ?? 'mltrl-approved';
  const aliased = await within(30_000, async () => ((await registry.aliasVersion(model, alias)) === approvedVersion ? true : undefined));
  log(aliased ? `${project.id}: defect-detector at Level 9; MLflow alias ${alias} → version ${approvedVersion}` : `${project.id}: defect-detector at Level 9, but MLflow's alias ${alias} was not set: does the worker run with MLTRL_MLFLOW_URL=${options.mlflowUrl}?`);

  // A new version in MLflow: the embedded switchback from 9 to 7, by MLflow's webhook.
  const { version: newVersion } = await register(story.linked.newVersion);
  const backAtSeven = async () => ((await detector.status()).level === 7 ? true : undefined);
  let heardBy: MlflowReplay['heardBy'] = 'webhook';
  if (!(await within(options.webhookWaitMs ?? 20_000, backAtSeven))) {
    // MLflow keeps no deliveries: without its webhook (or when it was lost), read the registry instead.
    heardBy = 'catch-up';
    log(`${project.id}: no webhook delivery from MLflow for version ${newVersion}; caught up from the registry (npm start with MLTRL_LOCAL_MLFLOW=1 creates the webhook)`);
    const reported = await reportRegistryVersion(client, { projectId: project.id, componentId: story.linked.componentId, model, alias, level: 9 }, newVersion, `version ${newVersion} registered`, 'newer');
    if (reported.outcome !== 'reported' && !(await backAtSeven())) throw new Error(`${project.id}: MLflow version ${newVersion} was not taken: ${reported.detail}`);
  }
  log(`${project.id}: MLflow ${model} version ${newVersion} registered → defect-detector back to Level 7 (by ${MLFLOW_ACTOR})`);

  // The drift alert about the calibration, at Level 9: through Alertmanager when one runs.
  const { alertname, severity, summary } = story.monitored.alert;
  const labelNames = options.labels ?? { project: 'project', component: 'component' };
  const labels = { alertname, severity, [labelNames.project]: project.id, [labelNames.component]: story.monitored.componentId };
  const startsAt = new Date().toISOString();
  let alertVia: MlflowReplay['alertVia'];
  if (options.alertmanagerUrl) {
    alertVia = 'alertmanager';
    const response = await fetch(`${options.alertmanagerUrl.replace(/\/+$/, '')}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels, annotations: { summary }, startsAt }]) });
    if (!response.ok) throw new Error(`Alertmanager ${options.alertmanagerUrl}: ${response.status} ${await response.text()}`);
  } else if (options.mltrl) {
    alertVia = 'mltrl';
    // What Alertmanager would send (version 4), its fingerprint a stable hash of the labels.
    const fingerprint = createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16);
    const notification = { version: '4', status: 'firing', receiver: 'mltrl', groupKey: `{}:{alertname="${alertname}"}`, alerts: [{ status: 'firing', labels, annotations: { summary }, startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint }] };
    const response = await fetch(`${options.mltrl.url}${ALERTMANAGER_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${options.mltrl.token}` }, body: JSON.stringify(notification) });
    if (!response.ok) throw new Error(`mltrl ${ALERTMANAGER_PATH}: ${response.status} ${await response.text()}`);
  } else {
    log(`${project.id}: drift alert skipped: no Alertmanager (MLTRL_ALERTMANAGER_URL) and no MLTRL_ALERTMANAGER_TOKEN for mltrl's own route`);
    return { projectId: project.id, model, approvedVersion, newVersion, heardBy, alertVia: 'skipped' };
  }
  // Alertmanager batches a new alert group for its group_wait (5 s under npm start) before sending.
  const review = await calibration.openReReview(alertVia === 'alertmanager' ? 1_200 : 100);
  log(`${project.id}: ${alertname} (via ${alertVia === 'alertmanager' ? 'Alertmanager' : "mltrl's route"}) opened re-review ${review.id} of plant-calibration at Level 9, waiting for its owner's ethics answers, then the panel`);
  return { projectId: project.id, model, approvedVersion, newVersion, heardBy, alertVia, reReviewId: review.id };
}

/** Replays the MLflow case when MLflow answers at MLTRL_MLFLOW_URL; says why not otherwise. */
async function replayMlflowIfAvailable(client: Client, config: ReturnType<typeof loadConfig>): Promise<string | undefined> {
  const name = MLFLOW_STORY.file.replace(/\.json$/, '');
  if (!config.MLTRL_MLFLOW_URL) {
    console.log(`${name}: skipped, its model lives in MLflow: set MLTRL_MLFLOW_URL to a running MLflow (npm start with MLTRL_LOCAL_MLFLOW=1 runs one and prints the command)`);
    return undefined;
  }
  if (!(await answersOk(`${config.MLTRL_MLFLOW_URL.replace(/\/+$/, '')}/health`))) {
    console.log(`${name}: skipped, MLflow does not answer at MLTRL_MLFLOW_URL=${config.MLTRL_MLFLOW_URL}`);
    return undefined;
  }
  const token = configuredLinkSecret(config.MLTRL_ALERTMANAGER_TOKEN, ALERTMANAGER_TOKEN_FILE);
  const replayed = await replayMlflowStory(client, config.MLTRL_TASK_QUEUE, {
    mlflowUrl: config.MLTRL_MLFLOW_URL,
    ...(config.MLTRL_ALERTMANAGER_URL ? { alertmanagerUrl: config.MLTRL_ALERTMANAGER_URL } : {}),
    ...(token ? { mltrl: { url: publicUrl(config), token } } : {}),
    labels: { project: config.MLTRL_ALERTMANAGER_PROJECT_LABEL, component: config.MLTRL_ALERTMANAGER_COMPONENT_LABEL },
    log: (line) => console.log(line),
  });
  if (replayed) console.log(`  In MLflow: ${config.MLTRL_MLFLOW_URL}/#/models/${encodeURIComponent(replayed.model)} (tags mltrl.level, mltrl.phase, mltrl.card on each version)`);
  return replayed?.projectId;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const client = await connect(config);
  try {
    const started = await replayStories(client, config.MLTRL_TASK_QUEUE, { log: (line) => console.log(line) });
    const withMlflow = await replayMlflowIfAvailable(client, config);
    if (withMlflow) started.push(withMlflow);
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
