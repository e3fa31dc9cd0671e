/**
 * Human-readable renderings of what the workflows return: plain aligned tables and short lines,
 * no colour, so output pastes cleanly into tickets and logs. `--json` bypasses all of this.
 */
import { utcDay, utcSecond } from '../../machines/dates.js';
import { levelDefinition } from '../../machines/levels.js';
import { caliberLabel } from '../../machines/expectations.js';
import type { Person, ProjectDefinition } from '../../machines/model.js';
import type { AuditEntry, ComponentStatus, ProjectStatus, ReviewState } from '../../workflows/definitions.js';
import { textTable } from '../render/tables.js';
import { subsystemLines } from './holding.js';

/**
 * Control characters (but line breaks and tabs), DEL, C1 controls, line separators and bidi
 * overrides: what could move the cursor, clear the screen or reorder text in a reader's terminal.
 */
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Whatever the CLI prints, without the characters a terminal would act on. */
export function printable(text: string): string {
  return text.replace(TERMINAL_CONTROLS, '');
}

const person = (p: Person) => `${p.name} <${p.email}>`;
const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'none');
const levelLabel = (level: number) => `Level ${level} ${levelDefinition(level).name}`;
const indent = (text: string) => text.replace(/^/gm, '  ');

/** One line: where a component stands. */
export function headline(status: ComponentStatus): string {
  return `${status.projectId}/${status.componentId}: ${levelLabel(status.level)} (${status.phase}), ${status.state}`;
}

/** What is still missing before `submit` would be accepted, or what to answer when nothing is. */
export function gateLines(status: ComponentStatus): string[] {
  const { gate } = status;
  const lines: string[] = [];
  if (status.state === 'retired') return ['retired: no further reviews'];
  if (status.state === 'paused') lines.push('paused: resume before submitting');
  if (status.openReview?.awaitingEthics) {
    lines.push(`re-review ${status.openReview.id} is waiting for the owner's ethics answers: mltrl answer-ethics ${status.projectId}/${status.componentId} --by <owner> --answer <id>=<text>`);
  } else if (status.openReview) lines.push(`review ${status.openReview.id} is open: wait for its verdicts before submitting again`);
  if (gate.missingDeliverables.length) lines.push(`missing deliverables: ${list(gate.missingDeliverables)}`);
  if (gate.unmitigatedRisks.length) lines.push(`flagged requirements without a mitigation: ${list(gate.unmitigatedRisks)}`);
  if (gate.panelGaps.length) lines.push(`roles without enough eligible reviewers: ${list(gate.panelGaps)}`);
  if (lines.length === 0) lines.push('ready to submit');
  // Not evaluated here: MLflow is read when the level is submitted, and the review opens only if they hold.
  if (gate.checks?.length) lines.push('checks read from MLflow on submit (the review opens only if they hold):', ...gate.checks.map((c) => `  ${c.key}: ${c.check}`));
  lines.push(`ethics items to answer on submit: ${list(gate.ethicsItems)}`);
  lines.push(...expectationLines(status));
  // Rules edition 2: requested changes the submit resolves, each with --done or --carry.
  if (gate.openTasks?.length) lines.push(`open tasks to resolve on submit (--done <id>=<note> or --carry <id>=<reason>): ${list(gate.openTasks)}`);
  return lines;
}

/** The level's code caliber and data considerations: what the panel confirms by approving. */
export function expectationLines(status: ComponentStatus): string[] {
  const expected = status.gate.expectations;
  if (!expected) return [];
  return [
    `code: ${expected.codeCaliberMeaning}`,
    'data considerations (the panel confirms these and the code caliber by approving):',
    ...expected.dataConsiderations.map((line) => `  - ${line}`),
  ];
}

/** Stage debriefs still owed after graduations, with the command that writes one. */
export function debriefLines(status: ComponentStatus): string[] {
  const owed = status.debriefsOwed ?? [];
  if (owed.length === 0) return [];
  const ref = `${status.projectId}/${status.componentId}`;
  return [
    ...owed.map((o) => `debrief owed for Level ${o.level} ${levelDefinition(o.level).name} (graduated with review ${o.reviewId}, asked ${utcSecond(o.askedAt)}; next reminder ${utcSecond(o.nextReminder)})`),
    `  write it with: mltrl card update ${ref} --by <email> --patch '{"debriefs":[{"level":${owed[0].level},"done":"…","punted":"…","learned":"…","debt":"…"}]}'`,
  ];
}

export function componentStatusText(status: ComponentStatus): string {
  const out = [
    `${status.projectId}/${status.componentId} — ${status.name} (${status.kind})`,
    textTable(
      null,
      [
        ['level', `${status.level} ${status.levelName}`],
        ['phase', status.phase],
        ['state', status.state],
        ['entry level', status.entryLevel],
        ['policy profile', status.profile],
        ['owner', person(status.owner)],
        ['card', `revision ${status.cardRevision}, ${status.switchbacks} switchback${status.switchbacks === 1 ? '' : 's'}`],
        ...(status.provenance ? [['from', `${status.provenance.kind} from ${status.provenance.projectId}/${status.provenance.componentId} at Level ${status.provenance.level}`]] : []),
        ...(status.target ? [['target', `Level ${status.target.level} by ${status.target.date}: ${status.target.status}${status.target.projected ? ` (at this pace, ${utcDay(status.target.projected)})` : ''}`]] : []),
      ],
    ),
  ];
  const review = status.openReview;
  if (review) {
    out.push(
      '',
      `open review ${review.id}: Level ${review.level}, proposal ${review.proposal}${review.reReview ? ' (scheduled re-review)' : ''}, submitted by ${review.submittedBy} at ${utcSecond(review.submittedAt)}`,
      ...(review.awaitingEthics ? ["  waiting for the owner's ethics answers: the panel is asked, and its verdicts count, once they are in"] : []),
      indent(
        textTable(
          ['ROLE', 'APPROVALS'],
          review.requiredRoles.map((role) => [role, `${review.approvals[role] ?? 0} of ${review.approvalsPerRole}${review.missingRoles.includes(role) ? '' : ', met'}`]),
        ),
      ),
      ...(review.evidence?.length ? ['  evidence read from MLflow when it opened:', ...review.evidence.map((e) => `    ${e.holds ? '✓' : '✗'} ${e.line} (read ${utcSecond(e.readAt)})`)] : []),
      `  missing roles: ${list(review.missingRoles)}`,
      `  answered: ${list(review.answered.map((a) => `${a.reviewer} (${a.verdict})`))}`,
      `  next reminder: ${utcSecond(review.nextReminder)}${review.escalation ? `; escalation: ${utcSecond(review.escalation)}` : ''}`,
    );
  }
  out.push('', `gate for Level ${status.gate.level}:`, ...gateLines(status).map((line) => `  ${line}`));
  const debriefs = debriefLines(status);
  if (debriefs.length > 0) out.push('', ...debriefs);
  return out.join('\n');
}

export function projectStatusText(status: ProjectStatus): string {
  const system = status.systemLevel === null ? 'none (no live components)' : levelLabel(status.systemLevel);
  return [
    `${status.projectId} — ${status.name}`,
    `system level: ${system}`,
    `policy profile: ${status.profile}`,
    '',
    textTable(
      ['COMPONENT', 'LEVEL', 'NAME', 'PHASE', 'STATE'],
      status.components.map((c) => [c.componentId, c.level, levelDefinition(c.level).name, c.phase, c.state]),
    ),
    ...subsystemLines(status.subsystems),
  ].join('\n');
}

export function startedText(definition: ProjectDefinition, workflowId: string, taskQueue: string, waiting: string[]): string {
  return [
    `started ${workflowId} (${definition.name}) on task queue ${taskQueue}`,
    `policy profile: ${definition.policy.profile ?? 'default'}`,
    '',
    textTable(
      ['COMPONENT', 'ENTRY LEVEL', 'NAME', 'KIND'],
      definition.components.map((c) => [`${definition.id}/${c.id}`, c.entryLevel, levelDefinition(c.entryLevel).name, c.kind]),
    ),
    ...(waiting.length ? ['', `still starting (is a worker running on ${taskQueue}?): ${list(waiting)}`] : []),
  ].join('\n');
}

export function reviewStateText(state: ReviewState, reviewer: string, verdict: string): string {
  const lines = [`review ${state.reviewId}: ${verdict} by ${reviewer} ${state.acknowledged === 'counted' ? 'counted' : 'repeated (already answered: changes nothing)'}`];
  if (state.open) {
    lines.push(`approvals: ${list(Object.entries(state.approvals).map(([role, n]) => `${role} ${n}`))}; missing roles: ${list(state.missingRoles)}`);
  } else if (state.outcome) {
    lines.push(`review closed: ${state.outcome}`);
  }
  lines.push(`component: ${levelLabel(state.level)}, ${state.state}`);
  if (state.confirmed) {
    lines.push(`confirmed for Level ${state.confirmed.level}: ${caliberLabel(state.confirmed.codeCaliber)}; data: ${state.confirmed.dataConsiderations.join(' ')}`);
  }
  return lines.join('\n');
}

export function submittedText(status: ComponentStatus): string {
  const review = status.openReview;
  if (!review) return headline(status);
  const ref = `${status.projectId}/${status.componentId}`;
  return [
    `review ${review.id} opened for ${levelLabel(review.level)} (proposal ${review.proposal})`,
    ...(review.evidence?.length ? ['evidence read from MLflow, frozen on the card:', ...review.evidence.map((e) => `  ${e.holds ? '✓' : '✗'} ${e.line} (read ${utcSecond(e.readAt)})`)] : []),
    `panel: ${list(review.requiredRoles)}, ${review.approvalsPerRole} approval${review.approvalsPerRole === 1 ? '' : 's'} per role`,
    `reviewers answer with: mltrl review ${ref} --review ${review.id} --as <email> approve`,
    `approving confirms Level ${review.level}'s code caliber and data considerations (see \`mltrl status ${ref}\`); a reviewer who cannot confirm them requests changes`,
  ].join('\n');
}


export function historyText(entries: AuditEntry[]): string {
  if (entries.length === 0) return 'no history yet';
  return textTable(
    ['TIME', 'WHO', 'WHAT', 'OUTCOME', 'LEVEL', 'WHY'],
    entries.map((e) => [utcSecond(e.at), e.who, e.what, e.outcome, e.level, e.why]),
  );
}
