/** Pieces of pages shared by the dashboard, the component page and the review page. */
import { html } from 'hono/html';
import { utcMinute } from '../../../machines/dates.js';
import type { Evidence } from '../../../machines/evidence.js';
import { checkText, isCheckShaped, type EvidenceCheck } from '../../../machines/evidenceCheck.js';
import { levelDefinition } from '../../../machines/levels.js';
import { tasksForReview } from '../../../machines/tasks.js';
import type { CardView, ComponentStatus } from '../../../workflows/definitions.js';
import type { Html } from '../../render/markup.js';
import { htmlTable } from '../../render/tables.js';

export const projectPath = (projectId: string) => `/projects/${projectId}`;
export const componentPath = (projectId: string, componentId: string) => `${projectPath(projectId)}/components/${componentId}`;

/** The level as a badge coloured by its phase, with the phase spelled out for screen readers and print. */
export function levelBadge(level: number): Html {
  const definition = levelDefinition(level);
  return html`<span class="badge phase-${definition.phase}" title="${definition.phase} phase">Level ${level} · ${definition.name}</span> <span class="muted">${definition.phase}</span>`;
}

type OpenReviewView = NonNullable<ComponentStatus['openReview']>;

/** How a re-review came about, after its proposal: a schedule's fire, or a monitoring alert. */
export function reReviewWords(review: Pick<OpenReviewView, 'reReview' | 'submittedBy' | 'alerts'>): string {
  if (!review.reReview) return '';
  return review.submittedBy === 'alertmanager' ? ' (out-of-cycle re-review opened by a monitoring alert)' : ' (scheduled re-review)';
}

/** The monitoring alerts a review carries, for the panel to weigh: name, severity, summary, and whether it has resolved. */
export function reviewAlerts(review: Pick<OpenReviewView, 'alerts'>): Html | string {
  if (!review.alerts?.length) return '';
  return html`<div class="notice" role="note"><p><strong>Monitoring alerts on this review</strong></p><ul>${review.alerts.map(
    (a) =>
      html`<li><strong>${a.alertname}</strong>${a.severity ? html` (${a.severity})` : ''}${a.summary ? html`: ${a.summary}` : ''} <span class="muted">fired ${utcMinute(a.firedAt)}${
        a.resolvedAt ? html`, resolved ${utcMinute(a.resolvedAt)}` : ', still firing'
      }</span></li>`,
  )}</ul></div>`;
}

/** The checks read from MLflow when the review opened: each with its measured value, and when it was read. */
export function reviewEvidence(review: Pick<OpenReviewView, 'evidence'>): Html | string {
  if (!review.evidence?.length) return '';
  return html`<div class="notice" role="note"><p><strong>Evidence read from MLflow when the review opened</strong></p><ul>${review.evidence.map(
    (e) => html`<li>${e.holds ? '✓' : html`<strong>✗ does not hold</strong>`} ${e.line} <span class="muted">read ${utcMinute(e.readAt)}</span></li>`,
  )}</ul></div>`;
}

export function stateBadge(state: string): Html {
  return html`<span class="state state-${state}">${state}</span>`;
}

const LABELS: Record<string, string> = { slo: 'SLO', dataPipelineSpec: 'Data pipeline spec' };

/** `dataReadiness` → "Data readiness". */
export function label(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A deliverable written as an MLflow check, with the last reading frozen on the card (if it was read). */
function checkValue(value: EvidenceCheck, read: Evidence | undefined): Html {
  const reading = read ? html`<br />${read.holds ? '✓' : '✗'} ${read.line} <span class="muted">read ${utcMinute(read.readAt)}</span>` : html` <span class="muted">(read from MLflow when the level is submitted)</span>`;
  return html`MLflow check: ${checkText(value.mlflow)}${value.note ? html` — ${value.note}` : ''}${reading}`;
}

function valueText(value: unknown, read?: Evidence): Html {
  if (typeof value === 'string') return html`${value}`;
  if (isCheckShaped(value)) return checkValue(value as EvidenceCheck, read);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return html`${Object.entries(value as Record<string, unknown>).map(([k, v]) => html`<strong>${label(k)}:</strong> ${typeof v === 'string' ? v : JSON.stringify(v)}\n`)}`;
  }
  return html`${JSON.stringify(value)}`;
}

// `evidence` is shown with the check it read (checkValue).
const SKIPPED_CARD_KEYS = new Set(['requirements', 'techName', 'debriefs', 'evidence']);

/** The card's summary and every section that has content. */
export function cardSections(card: CardView): Html {
  const { summary, content } = card;
  const sections = Object.entries(content).filter(([key, value]) => !SKIPPED_CARD_KEYS.has(key) && value !== undefined && value !== null);
  return html`<dl class="card">
<dt>Technology</dt><dd>${summary.techName}</dd>
<dt>Owners</dt><dd>${summary.owners.map((p, i) => html`${i ? ', ' : ''}${p.name} &lt;${p.email}&gt;`)}</dd>
<dt>Card revision</dt><dd>${card.revision}</dd>
<dt>Policy profile</dt><dd>${summary.profile}</dd>
${summary.provenance ? html`<dt>Provenance</dt><dd>${summary.provenance.kind} from ${summary.provenance.projectId}/${summary.provenance.componentId} at Level ${summary.provenance.level}</dd>` : ''}
${sections.map(([key, value]) =>
  key === 'links'
    ? html`<dt>Links</dt><dd>${Object.entries(value as Record<string, string>).map(([name, url]) => html`<a href="${/^https?:\/\//.test(url) ? url : '#'}" rel="noreferrer">${name}</a> `)}</dd>`
    : html`<dt>${label(key)}</dt><dd>${valueText(value, (content['evidence'] as Record<string, Evidence> | undefined)?.[key])}</dd>`,
)}
</dl>`;
}

/** Requirements ordered by risk (the card's own order), flagged ones marked in words, not colour alone. */
export function requirementsTable(card: CardView): Html {
  if (card.requirements.length === 0) return html`<p class="muted">No requirements on the card yet.</p>`;
  return htmlTable(
    ['Id', 'Risk', 'Statement', 'Verification / validation', 'Status', 'Mitigation'],
    card.requirements.map((r) => ({
      class: r.flagged ? 'flagged' : undefined,
      cells: [
        r.id,
        html`${r.risk ?? '—'}${r.flagged ? html` <span class="flag">flagged</span>` : ''}`,
        r.statement ?? '',
        `${r.verification ?? '—'} / ${r.validation ?? '—'}`,
        r.status ?? 'open',
        r.mitigation ?? (r.flagged ? html`<span class="flag">none yet</span>` : '—'),
      ],
    })),
    { caption: 'Highest risk first; risk = probability of failure × value', rowHeaders: true },
  );
}

/** The ethics answers given with one review, each under its question. */
export function ethicsAnswers(card: CardView, reviewId: string): Html {
  const given = card.ethics.find((e) => e.reviewId === reviewId);
  if (!given) return html`<p class="muted">No ethics answers were recorded with this review.</p>`;
  const questions = new Map(card.ethicsChecklist.map((item) => [item.id, item.question]));
  return html`<dl class="answers">
${Object.entries(given.answers).map(([id, answer]) => html`<dt>${questions.get(id) ?? label(id)}</dt><dd>${answer}</dd>`)}
</dl>`;
}

const TASK_STATUS: Record<string, string> = { open: 'open', done: 'done', carried: 'carried forward' };

/**
 * Requested changes as one review's panel sees them (rules edition 2): the tasks the submit
 * resolved, each with what was done or why it waits, then every task still carried from before.
 */
export function taskResolutions(card: CardView, reviewId: string): Html {
  const { resolved, carried } = tasksForReview(card.tasks, reviewId);
  if (resolved.length + carried.length === 0) return html`<p class="muted">No requested changes are resolved with or carried into this review.</p>`;
  return htmlTable(
    ['Task', 'Asked', 'Status', 'Resolution'],
    [...resolved, ...carried].map((t) => [
      `${t.id} (Level ${t.level})`,
      html`${t.text} <span class="muted">(review ${t.reviewId})</span>`,
      TASK_STATUS[t.status] ?? t.status,
      t.resolution ? html`${t.resolution.note} <span class="muted">(${t.resolution.by}, ${utcMinute(t.resolution.at)}${t.resolution.reviewId === reviewId ? '' : `, with review ${t.resolution.reviewId}`})</span>` : '—',
    ]),
    { caption: 'Resolved with this review first, then those carried from earlier reviews', rowHeaders: true },
  );
}

export function timeline(card: CardView): Html {
  return html`<ol class="timeline">
${card.timeline.map(
  (t) => html`<li>${utcMinute(t.at)}: ${t.from === null ? html`entered at` : html`Level ${t.from} →`} ${levelBadge(t.to)} <span class="muted">(${t.how}${t.reviewId ? `, review ${t.reviewId}` : ''})</span></li>`,
)}
</ol>`;
}

export function switchbacks(card: CardView): Html {
  if (card.switchbacks.length === 0) return html`<p class="muted">No switchbacks.</p>`;
  return htmlTable(
    ['When', 'From', 'To', 'Kind', 'By', 'Reason'],
    card.switchbacks.map((s) => [utcMinute(s.at), s.from, s.to, s.kind, s.by, s.reason]),
  );
}

/** The open review's progress: approvals per role against the quorum, and who answered. */
export function reviewProgress(review: NonNullable<ComponentStatus['openReview']>): Html {
  const approvals = htmlTable(
    ['Role', 'Approvals'],
    review.requiredRoles.map((role) => [role, `${review.approvals[role] ?? 0} of ${review.approvalsPerRole}${review.missingRoles.includes(role) ? '' : ' ✓'}`]),
  );
  return html`${approvals}
<p>Answered: ${review.answered.length ? review.answered.map((a, i) => html`${i ? ', ' : ''}${a.reviewer} (${a.verdict})`) : 'nobody yet'}</p>`;
}
