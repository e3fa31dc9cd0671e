/**
 * "What holds the system below Level N": the live components of one project below N and, for each,
 * what its gate still misses (deliverables, unmitigated risks, panel gaps) and its open review. The
 * project's summary says which components are below N; only those are asked for their status, so
 * a project read stays one query plus one per component holding it back. Portfolio lists never ask
 * components (src/portfolio/read.ts); this is a single project's view.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { subsystemOf } from '../../machines/dependencies.js';
import { levelDefinition, MAX_LEVEL } from '../../machines/levels.js';
import type { ComponentStatus, ProjectStatus } from '../../machines/status.js';
import { projectStatusQuery, statusQuery } from '../../workflows/definitions.js';
import { componentHandle, projectHandle } from '../runtime/client.js';
import type { Unreadable } from './metrics.js';
import { askWithRetries, mapBounded } from './read.js';

/** A level as text (a query string, a form field, a CLI option): one digit, 0 to 9. */
export const LevelText = z
  .string({ error: 'is required (a level from 0 to 9)' })
  .trim()
  .regex(/^\d$/, `must be a level from 0 to ${MAX_LEVEL}`)
  .transform(Number);

/** `GET /api/projects/:p/holding?level=N`'s query. */
export const HoldingQuery = z.strictObject({ level: LevelText });

export interface HoldingComponent {
  componentId: string;
  name: string;
  level: number;
  levelName: string;
  state: ComponentStatus['state'];
  /** The subsystem the component is in, if the project groups its components. */
  subsystem?: string;
  /** What the component's gate at its level still misses (absent if it did not answer). */
  gate?: Pick<ComponentStatus['gate'], 'level' | 'ready' | 'missingDeliverables' | 'unmitigatedRisks' | 'panelGaps' | 'openTasks'>;
  openReview?: { id: string; level: number; missingRoles: string[]; awaitingEthics?: true };
}

export interface Holding {
  projectId: string;
  name: string;
  /** The level asked about: every live component below it is listed. */
  below: number;
  systemLevel: number | null;
  components: HoldingComponent[];
  /** Components that did not answer: listed with their level, without their gate. */
  unreadable: Unreadable[];
}

/** The components of `status` holding the system below `below`, lowest first, from the summary alone. */
export function holdingFromSummary(status: ProjectStatus, below: number): HoldingComponent[] {
  return status.components
    .filter((c) => c.state !== 'retired' && c.level < below)
    .sort((a, b) => a.level - b.level || a.componentId.localeCompare(b.componentId))
    .map((c) => {
      const subsystem = status.subsystems ? subsystemOf(status.subsystems, c.componentId)?.id : undefined;
      return { componentId: c.componentId, name: c.name, level: c.level, levelName: levelDefinition(c.level).name, state: c.state, ...(subsystem ? { subsystem } : {}) };
    });
}

function withStatus(component: HoldingComponent, status: ComponentStatus): HoldingComponent {
  const { level, ready, missingDeliverables, unmitigatedRisks, panelGaps, openTasks } = status.gate;
  const review = status.openReview;
  return {
    ...component,
    level: status.level,
    levelName: status.levelName,
    state: status.state,
    gate: { level, ready, missingDeliverables, unmitigatedRisks, panelGaps, openTasks },
    ...(review
      ? { openReview: { id: review.id, level: review.level, missingRoles: review.missingRoles, ...(review.awaitingEthics ? { awaitingEthics: true as const } : {}) } }
      : {}),
  };
}

/** What holds project `projectId` below Level `below`: its summary, then each component below it. */
export async function holdingBelow(client: Client, projectId: string, below: number, status?: ProjectStatus): Promise<Holding> {
  const project = status ?? (await projectHandle(client, projectId).query(projectStatusQuery));
  const listed = holdingFromSummary(project, below);
  const unreadable: Unreadable[] = [];
  const components = await mapBounded(listed, async (component) => {
    const answer = await askWithRetries(client, () => componentHandle(client, projectId, component.componentId).query(statusQuery));
    if (answer.ok) return withStatus(component, answer.value);
    unreadable.push({ id: `${projectId}/${component.componentId}`, why: answer.why });
    return component;
  });
  return { projectId, name: project.name, below, systemLevel: project.systemLevel, components, unreadable };
}

/** One line per gap, for people: "missing deliverables: slo, monitoring". */
export function gapLines(component: HoldingComponent): string[] {
  if (component.state === 'paused') return ['paused: resume before submitting', ...gateGaps(component)];
  if (component.openReview?.awaitingEthics) return [`re-review ${component.openReview.id} is waiting for the owner's ethics answers`];
  if (component.openReview) return [`review ${component.openReview.id} is open, waiting on ${component.openReview.missingRoles.join(', ') || 'no role'}`];
  const gaps = gateGaps(component);
  if (!component.gate) return ['did not answer: its gate is unknown'];
  return gaps.length > 0 ? gaps : [`ready to submit for the Level ${component.gate.level} review`];
}

function gateGaps(component: HoldingComponent): string[] {
  const gate = component.gate;
  if (!gate) return [];
  return [
    ...(gate.missingDeliverables.length ? [`missing deliverables: ${gate.missingDeliverables.join(', ')}`] : []),
    ...(gate.unmitigatedRisks.length ? [`flagged requirements without a mitigation: ${gate.unmitigatedRisks.join(', ')}`] : []),
    ...(gate.panelGaps.length ? [`roles without enough eligible reviewers: ${gate.panelGaps.join(', ')}`] : []),
    // Requested changes the next submit must resolve (rules edition 2).
    ...(gate.openTasks?.length ? [`open tasks the submit must resolve: ${gate.openTasks.join(', ')}`] : []),
  ];
}
