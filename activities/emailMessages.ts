/**
 * What each notification says, to one recipient: a subject, a plain-text body and the same in
 * HTML. Pure: the links come in ready-made, so the words can be tested without a mail server.
 * HTML goes through hono's `html` tagged template, which escapes every interpolated value.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { utcDay } from '../machines/dates.js';
import { expectationsFor } from '../machines/expectations.js';
import type { Person } from '../machines/model.js';
import type { Notification } from './notifications.js';

export interface EmailLinks {
  /** The recipient's own review page (reviewers only). */
  review?: { url: string; expiresAt: number };
  component: string;
}

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

const levelLabel = (n: Notification) => `Level ${n.level} (${n.levelName})`;
const componentLabel = (n: Notification) => `${n.componentName} (${n.projectId}/${n.componentId})`;

const OUTCOME_WORDS: Record<string, string> = {
  approved: 'approved',
  'changes-requested': 'changes requested',
  'switched-back': 'sent back to an earlier level',
  cancelled: 'cancelled',
};

export function subjectFor(n: Notification): string {
  switch (n.kind) {
    case 'review-opened':
      return `Review requested: ${n.componentName}, ${levelLabel(n)} — ${n.projectName}`;
    case 'reminder':
      return `Reminder: review ${n.reviewId} of ${n.componentName} is waiting for you — ${n.projectName}`;
    case 'escalation':
      return `Escalation: review ${n.reviewId} of ${n.componentName} is still waiting on ${n.waiting?.length ?? 0} reviewer${n.waiting?.length === 1 ? '' : 's'} — ${n.projectName}`;
    case 'review-closed':
      return `Review ${n.reviewId} of ${n.componentName} closed: ${OUTCOME_WORDS[n.outcome ?? ''] ?? n.outcome ?? 'closed'} — ${n.projectName}`;
    case 'dependency-flag':
      return `Dependency switched back: ${n.flag?.dependency ?? 'a dependency'} of ${n.componentName} went to Level ${n.flag?.to ?? '?'} — ${n.projectName}`;
    case 'debrief-requested':
      return `Debrief requested: ${n.componentName} graduated from ${levelLabel(n)} — ${n.projectName}`;
    case 'debrief-reminder':
      return `Reminder: the ${levelLabel(n)} debrief of ${n.componentName} is still to write — ${n.projectName}`;
    case 'ethics-requested':
      return `Ethics checklist needed: re-review ${n.reviewId} of ${n.componentName} — ${n.projectName}`;
    case 'ethics-reminder':
      return `Reminder: re-review ${n.reviewId} of ${n.componentName} is waiting for your ethics answers — ${n.projectName}`;
  }
}

/** The command an owner can paste to write the debrief of `n.level` (each text replaced by their own). */
export function debriefCliLine(n: Notification, owner: string): string {
  const patch = JSON.stringify({ debriefs: [{ level: n.level, done: '…', by: [owner], punted: '…', learned: '…', debt: '…' }] });
  return `npx mltrl card update ${n.projectId}/${n.componentId} --by ${owner} --patch '${patch}'`;
}

/** What a panelist confirms by approving: the code caliber and data considerations of the review's level. */
function expectationLines(n: Notification): string[] {
  const expected = expectationsFor(n.level);
  return [
    `What Level ${n.level} expects (approving confirms it; if you cannot, request changes):`,
    `  Code: ${expected.codeCaliberMeaning}`,
    '  Data:',
    ...expected.dataConsiderations.map((line) => `    - ${line}`),
  ];
}

function expectationsHtml(n: Notification) {
  const expected = expectationsFor(n.level);
  return html`<h3>What Level ${n.level} expects</h3>
    <p><strong>Code</strong>: ${expected.codeCaliberMeaning}</p>
    <p><strong>Data considerations</strong>:</p><ul>${expected.dataConsiderations.map((line) => html`<li>${line}</li>`)}</ul>
    <p>Approving confirms that the component meets these; if it does not, request changes.</p>`;
}

/** What a stage debrief holds, as the framework asks for it. */
const DEBRIEF_ASKS = [
  'what was done, and by whom',
  'what was punted',
  'what was learned',
  'the technical debt taken on (or paid)',
];


/** The command the owner can paste to answer a re-review's ethics checklist. */
export function ethicsCliLine(n: Notification, owner: string): string {
  const answers = (n.ethicsQuestions ?? []).map((q) => ` --answer ${q.id}="…"`).join('');
  return `npx mltrl answer-ethics ${n.projectId}/${n.componentId} --by ${owner}${answers}`;
}

const TASK_WORDS: Record<string, string> = { done: 'done', carried: 'carried forward', open: 'open' };

/** One requested change as the panel reads it: id, level, what was asked, and how it was resolved. */
function taskLine(t: NonNullable<Notification['taskResolutions']>[number]): string {
  return `${t.id} (Level ${t.level}) ${t.text} — ${TASK_WORDS[t.status] ?? t.status}${t.note ? `: ${t.note}` : ''}`;
}

/** Rules edition 2: the review's ethics answers and its requested changes, as text lines. */
function reviewExtrasText(n: Notification): string[] {
  const lines: string[] = [];
  if (n.taskResolutions?.length) lines.push('', 'Requested changes and how they were resolved:', ...n.taskResolutions.map((t) => `  ${taskLine(t)}`));
  if (n.ethics?.length) lines.push('', 'Ethics answers for this review:', ...n.ethics.flatMap((e) => [`  ${e.question}`, `    ${e.answer}`]));
  return lines;
}

/** The command a reviewer can paste instead of following the link. */
export function cliLine(n: Notification, reviewer: string): string {
  return `npx mltrl review ${n.projectId}/${n.componentId} approve --review ${n.reviewId} --as ${reviewer}`;
}

function riskLine(r: Notification['topRisks'][number]): string {
  const flags = [r.flagged ? 'FLAGGED' : '', r.flagged && !r.mitigation ? 'no mitigation yet' : ''].filter(Boolean).join(', ');
  return `${r.id}  risk ${r.risk ?? '?'}${flags ? ` [${flags}]` : ''}  ${r.statement ?? ''}${r.mitigation ? ` — mitigation: ${r.mitigation}` : ''}`.trimEnd();
}

/** The monitoring alerts a re-review carries (the one that opened it first); nothing without them. */
const alertLinesText = (n: Notification): string[] =>
  n.alerts?.length ? ['', 'Opened out of cycle by a monitoring alert:', ...n.alerts.map((a) => `  - ${a}`)] : [];
const alertsHtml = (n: Notification) =>
  n.alerts?.length ? html`<h3>Opened out of cycle by a monitoring alert</h3><ul>${n.alerts.map((a) => html`<li>${a}</li>`)}</ul>` : '';

/** The evidence a review opened on: the level's checks as MLflow answered, frozen on the card. */
const evidenceLinesText = (n: Notification): string[] =>
  n.evidence?.length ? ['', 'Evidence read from MLflow when the review opened:', ...n.evidence.map((e) => `  ${e}`)] : [];
const evidenceHtml = (n: Notification) =>
  n.evidence?.length ? html`<h3>Evidence read from MLflow when the review opened</h3><ul>${n.evidence.map((e) => html`<li>${e}</li>`)}</ul>` : '';

/** What a dependency flag asks of the owner, in one paragraph (text and HTML say the same). */
const FLAG_ADVICE =
  'Check whether the evidence this component rests on still holds. The flag stays open on the card, and is shown to the panel, until the next approved review of this component.';

const flagWhat = (flag: NonNullable<Notification['flag']>) =>
  `${flag.dependency} switched back from Level ${flag.from} to Level ${flag.to}${flag.kind ? ` (${flag.kind} switchback)` : ''}.`;

function textBody(n: Notification, to: Person, links: EmailLinks): string {
  const lines = [`Hello ${to.name},`, ''];
  const about = [`${n.projectName} — ${componentLabel(n)}`, `${levelLabel(n)}: ${n.levelMeaning}`];
  if (n.kind === 'review-opened' || n.kind === 'reminder') {
    lines.push(
      n.kind === 'review-opened' ? `Your verdict is needed on review ${n.reviewId}:` : `Review ${n.reviewId} is still waiting for your verdict:`,
      '',
      ...about.map((l) => `  ${l}`),
    );
    if (n.proposal) lines.push(`  Proposal: ${n.proposal}`);
    if (n.note) lines.push(`  Note from the submitter: ${n.note}`);
    lines.push(...alertLinesText(n));
    lines.push(...evidenceLinesText(n));
    lines.push('', ...expectationLines(n));
    lines.push(...reviewExtrasText(n));
    lines.push('', n.topRisks.length ? 'Top risks on the card (highest first):' : 'The card lists no requirements with a risk yet.');
    lines.push(...n.topRisks.map((r) => `  ${riskLine(r)}`));
    if (n.openFlags?.length) lines.push('', 'Open dependency flags (a component this one depends on switched back):', ...n.openFlags.map((f) => `  - ${f}`));
    if (links.review) {
      lines.push(
        '',
        `Answer on your review page (this link is yours alone; it works until ${utcDay(links.review.expiresAt)}):`,
        `  ${links.review.url}`,
        '',
        'or from the command line (request-changes --task "…" or switchback --to <level> --reason "…" work too):',
        `  ${cliLine(n, to.email)}`,
      );
    }
  } else if (n.kind === 'ethics-requested' || n.kind === 'ethics-reminder') {
    lines.push(
      n.kind === 'ethics-requested'
        ? `Re-review ${n.reviewId} has opened. The panel is asked once you have answered the ethics checklist:`
        : `Re-review ${n.reviewId} is still waiting for your answers to the ethics checklist; the panel is asked once they are in:`,
      '',
      ...about.map((l) => `  ${l}`),
      ...alertLinesText(n),
      '',
      'Questions:',
      ...(n.ethicsQuestions ?? []).map((q) => `  ${q.id}: ${q.question}`),
      '',
      'Answer from the command line:',
      `  ${ethicsCliLine(n, to.email)}`,
      '',
      `The component's page: ${links.component}`,
    );
  } else if (n.kind === 'escalation') {
    lines.push(
      `Review ${n.reviewId} has passed its escalation deadline:`,
      '',
      ...about.map((l) => `  ${l}`),
      '',
      'Still waiting on:',
      ...(n.waiting ?? []).map((p) => `  ${p.name} <${p.email}>`),
      '',
      `The component's page: ${links.component}`,
    );
  } else if (n.kind === 'dependency-flag' && n.flag) {
    lines.push(`A component ${n.componentName} depends on has switched back:`, '', ...about.map((l) => `  ${l}`), '', `  ${flagWhat(n.flag)}`, `  ${n.flag.reason}`, '', FLAG_ADVICE, '', `The component's page: ${links.component}`);
  } else if (n.kind === 'debrief-requested' || n.kind === 'debrief-reminder') {
    lines.push(
      n.kind === 'debrief-requested'
        ? `${n.componentName} graduated from ${levelLabel(n)} with review ${n.reviewId}. Please write the stage debrief of that level on its TRL card:`
        : `The stage debrief of ${levelLabel(n)} (graduated with review ${n.reviewId}) is not on the card yet. Please write it:`,
      ...DEBRIEF_ASKS.map((ask) => `  - ${ask}`),
      '',
      `${n.projectName} — ${componentLabel(n)}`,
      '',
      'From the command line (replace each … with your words; punted, learned and debt may be left out):',
      `  ${debriefCliLine(n, to.email)}`,
      '',
      `The component's page: ${links.component}`,
      '',
      'Reminders come until the debrief of this level is written.',
    );
  } else {
    lines.push(`Review ${n.reviewId} is closed: ${OUTCOME_WORDS[n.outcome ?? ''] ?? n.outcome ?? 'closed'}.`, '', ...about.map((l) => `  ${l}`));
    if (n.tasks?.length) lines.push('', 'Tasks from the panel:', ...n.tasks.map((t) => `  - ${t}`));
    lines.push('', `The component's page: ${links.component}`);
  }
  lines.push('', '— mltrl');
  return lines.join('\n');
}

function htmlBody(n: Notification, to: Person, links: EmailLinks, subject: string): string {
  const risks = n.topRisks.length
    ? html`<table cellpadding="4" style="border-collapse:collapse">
        <tr><th align="left">Requirement</th><th align="left">Risk</th><th align="left">Statement</th><th align="left">Mitigation</th></tr>
        ${n.topRisks.map(
          (r) => html`<tr>
            <td>${r.id}</td>
            <td>${r.risk ?? '?'}${r.flagged ? html` <strong style="color:#b42318">flagged</strong>` : ''}</td>
            <td>${r.statement ?? ''}</td>
            <td>${r.mitigation ?? (r.flagged ? html`<strong style="color:#b42318">none yet</strong>` : '')}</td>
          </tr>`,
        )}
      </table>`
    : html`<p>The card lists no requirements with a risk yet.</p>`;
  const about = html`<p><strong>${n.projectName}</strong> — ${componentLabel(n)}<br />
    <strong>${levelLabel(n)}</strong>: ${n.levelMeaning}</p>`;
  const extras = html`${n.taskResolutions?.length
    ? html`<h3>Requested changes and how they were resolved</h3><ul>${n.taskResolutions.map(
        (t) => html`<li><strong>${t.id}</strong> (Level ${t.level}) ${t.text} — <strong>${TASK_WORDS[t.status] ?? t.status}</strong>${t.note ? html`: ${t.note}` : ''}</li>`,
      )}</ul>`
    : ''}${n.ethics?.length ? html`<h3>Ethics answers for this review</h3><dl>${n.ethics.map((e) => html`<dt>${e.question}</dt><dd>${e.answer}</dd>`)}</dl>` : ''}`;
  let main;
  if ((n.kind === 'review-opened' || n.kind === 'reminder') && links.review) {
    main = html`<p>${n.kind === 'review-opened' ? `Your verdict is needed on review ${n.reviewId}.` : `Review ${n.reviewId} is still waiting for your verdict.`}</p>
      ${about}
      ${n.proposal ? html`<p>Proposal: <strong>${n.proposal}</strong></p>` : ''}
      ${n.note ? html`<p>Note from the submitter: ${n.note}</p>` : ''}
      ${alertsHtml(n)}
      ${evidenceHtml(n)}
      ${expectationsHtml(n)}
      ${extras}
      <h3>Top risks on the card</h3>
      ${risks}
      ${n.openFlags?.length ? html`<h3>Open dependency flags</h3><p>A component this one depends on switched back:</p><ul>${n.openFlags.map((f) => html`<li>${f}</li>`)}</ul>` : ''}
      <p><a href="${links.review.url}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:6px">Open your review page</a></p>
      <p style="color:#555">This link is yours alone and works until ${utcDay(links.review.expiresAt)}. Or answer from the command line:<br />
      <code>${cliLine(n, to.email)}</code></p>`;
  } else if (n.kind === 'ethics-requested' || n.kind === 'ethics-reminder') {
    main = html`<p>${n.kind === 'ethics-requested'
      ? `Re-review ${n.reviewId} has opened. The panel is asked once you have answered the ethics checklist.`
      : `Re-review ${n.reviewId} is still waiting for your answers to the ethics checklist; the panel is asked once they are in.`}</p>${about}
      ${alertsHtml(n)}
      <h3>Questions</h3><dl>${(n.ethicsQuestions ?? []).map((q) => html`<dt>${q.id}</dt><dd>${q.question}</dd>`)}</dl>
      <p>Answer from the command line:<br /><code>${ethicsCliLine(n, to.email)}</code></p>
      <p><a href="${links.component}">The component's page</a></p>`;
  } else if (n.kind === 'escalation') {
    main = html`<p>Review ${n.reviewId} has passed its escalation deadline.</p>${about}
      <p>Still waiting on:</p><ul>${(n.waiting ?? []).map((p) => html`<li>${p.name} &lt;${p.email}&gt;</li>`)}</ul>
      <p><a href="${links.component}">The component's page</a></p>`;
  } else if (n.kind === 'dependency-flag' && n.flag) {
    main = html`<p>A component ${n.componentName} depends on has switched back.</p>${about}
      <p><strong>${flagWhat(n.flag)}</strong><br />${n.flag.reason}</p>
      <p>${FLAG_ADVICE}</p>
      <p><a href="${links.component}">The component's page</a></p>`;
  } else if (n.kind === 'debrief-requested' || n.kind === 'debrief-reminder') {
    main = html`<p>${
      n.kind === 'debrief-requested'
        ? `${n.componentName} graduated from ${levelLabel(n)} with review ${n.reviewId}. Please write the stage debrief of that level on its TRL card:`
        : `The stage debrief of ${levelLabel(n)} (graduated with review ${n.reviewId}) is not on the card yet. Please write it:`
    }</p>
      <ul>${DEBRIEF_ASKS.map((ask) => html`<li>${ask}</li>`)}</ul>
      <p><strong>${n.projectName}</strong> — ${componentLabel(n)}</p>
      <p>From the command line (replace each … with your words; punted, learned and debt may be left out):<br /><code>${debriefCliLine(n, to.email)}</code></p>
      <p><a href="${links.component}">The component's page</a></p>
      <p style="color:#555">Reminders come until the debrief of this level is written.</p>`;
  } else {
    main = html`<p>Review ${n.reviewId} is closed: <strong>${OUTCOME_WORDS[n.outcome ?? ''] ?? n.outcome ?? 'closed'}</strong>.</p>${about}
      ${n.tasks?.length ? html`<p>Tasks from the panel:</p><ul>${n.tasks.map((t) => html`<li>${t}</li>`)}</ul>` : ''}
      <p><a href="${links.component}">The component's page</a></p>`;
  }
  return rendered(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>${subject}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<p>Hello ${to.name},</p>
${main}
<p style="color:#555">— mltrl</p>
</body></html>`);
}

/** Our templates interpolate no promises, so hono renders them synchronously. */
function rendered(value: HtmlEscapedString | Promise<HtmlEscapedString>): string {
  if (value instanceof Promise) throw new Error('an email template rendered asynchronously');
  return value.toString();
}

export function composeEmail(n: Notification, to: Person, links: EmailLinks): EmailMessage {
  const subject = subjectFor(n);
  return { subject, text: textBody(n, to, links), html: htmlBody(n, to, links, subject) };
}

