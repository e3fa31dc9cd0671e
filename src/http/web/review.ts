/**
 * The review page an email links to: `/review/<token>`. The token names the reviewer, the review
 * and the component (../core/links.ts); the page never asks who you are. It shows the card, the ethics
 * answers and the requirements by risk, and takes one verdict: approve, request changes with a task
 * list, or send the component back to a chosen level with a reason.
 *
 * A link counts once. Whether it is spent is read from the workflow itself — the reviewer already
 * gave a verdict on that review, or the review is no longer open — so no token store is needed
 * and a restart changes nothing. Two submissions racing each other are settled by the workflow:
 * the second comes back `repeated` and gets the same "already answered" page.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { utcMinute } from '../../../machines/dates.js';
import { levelDefinition, PROPOSAL_OUTCOMES, type Proposal } from '../../../machines/levels.js';
import { expectationsFor } from '../../../machines/expectations.js';
import { InputError, parseInput } from '../../../machines/validation.js';
import { Decision, cardQuery, decideUpdate, statusQuery, type CardView, type ComponentStatus, type ReviewState } from '../../../workflows/definitions.js';
import type { Html } from '../../render/markup.js';
import { ClientError, call, componentHandle } from '../../runtime/client.js';
import type { HttpDependencies } from '../core/dependencies.js';
import type { ReviewGrant, TokenRefusal } from '../core/links.js';
import { problemFor } from '../core/problems.js';
import { dependenciesSection } from './dependencies.js';
import { cardSections, componentPath, ethicsAnswers, levelBadge, requirementsTable, reReviewWords, reviewAlerts, reviewEvidence, reviewProgress, taskResolutions } from './fragments.js';
import { layout, messagePage } from './layout.js';

const Comment = z.string().max(5_000).optional();

/** The three forms on the page, as posted (application/x-www-form-urlencoded). */
const ReviewForm = z.discriminatedUnion(
  'verdict',
  [
    z.object({
      verdict: z.literal('approve'),
      // Approving confirms the level's code caliber and data considerations: the page asks for it in so many words.
      confirm: z.literal('yes', { error: "tick the box to confirm the level's code caliber and data considerations, or request changes" }),
      comment: Comment,
    }),
    z.object({ verdict: z.literal('request-changes'), tasks: z.string().max(25_000).default(''), comment: Comment }),
    z.object({
      verdict: z.literal('switchback'),
      targetLevel: z.string().regex(/^\d$/, 'choose the level to send the component back to').transform(Number),
      reason: z.string().max(2_000).default(''),
      comment: Comment,
    }),
  ],
  { error: 'choose approve, request changes or send back' },
);
type ReviewForm = z.infer<typeof ReviewForm>;

/** The form as the workflow's own Decision: reviewer and review come from the token, never the form. */
function decisionFrom(form: ReviewForm, grant: ReviewGrant): Decision {
  const comment = form.comment?.trim();
  const base = { reviewId: grant.reviewId, reviewer: grant.reviewer };
  switch (form.verdict) {
    case 'approve':
      return parseInput(Decision, { ...base, verdict: 'approve', ...(comment ? { comment } : {}) }, 'verdict');
    case 'request-changes': {
      const tasks = form.tasks.split(/\r?\n/).map((t) => t.replace(/^\s*[-*]\s*/, '').trim()).filter(Boolean);
      return parseInput(Decision, { ...base, verdict: 'request-changes', tasks, ...(comment ? { comment } : {}) }, 'verdict');
    }
    case 'switchback': {
      const reason = form.reason.trim();
      if (!reason) throw new InputError('reason: say why the component goes back');
      return parseInput(
        Decision,
        { ...base, verdict: 'switchback', targetLevel: form.targetLevel, comment: [reason, comment].filter(Boolean).join(' — ') },
        'verdict',
      );
    }
  }
}

const REFUSED_LINK: Record<TokenRefusal, { status: 403 | 410; title: string; text: string }> = {
  malformed: {
    status: 403,
    title: 'This review link is not valid',
    text: 'The link is incomplete or was not issued by this server. Open the link from your latest email again, or answer from the command line.',
  },
  forged: {
    status: 403,
    title: 'This review link is not valid',
    text: 'The link was altered: its signature does not match. Open the link from your latest email again, or answer from the command line.',
  },
  'wrong-kind': {
    status: 403,
    title: 'This review link is not valid',
    text: 'This is not a review link: it is a token for the API. Open the link from your latest email again, or answer from the command line.',
  },
  expired: {
    status: 410,
    title: 'This review link has expired',
    text: 'Review links work for a limited time. The next reminder brings a fresh link; you can also answer from the command line.',
  },
};

interface Loaded {
  grant: ReviewGrant;
  status: ComponentStatus;
  card: CardView;
}

const verdictWords: Record<string, string> = { approve: 'approve', 'request-changes': 'request changes', switchback: 'send back' };

function proposalText(proposal: Proposal, level: number): string {
  const outcome = PROPOSAL_OUTCOMES[proposal];
  switch (outcome.kind) {
    case 'raise':
      return `${proposal}: on approval the component moves to Level ${level + 1}${outcome.branch ? ', and a research copy is branched at this level' : ''}`;
    case 'stay':
      return `${proposal}: on approval the component stays at Level ${level}`;
    case 'pause':
      return `${proposal}: on approval the component stays at Level ${level}, paused`;
    case 'switchback':
      return `${proposal}: on approval the component goes back to Level ${outcome.to}`;
  }
}

function reviewPage(token: string, { grant, status, card }: Loaded, error?: string, form: Partial<Record<string, string>> = {}): Html {
  const review = status.openReview!;
  const definition = levelDefinition(review.level);
  const expected = expectationsFor(review.level);
  const action = `/review/${token}`;
  // The levels the rules allow this review's switchback verdict to choose, as the status reports them.
  const targets = status.openReview?.switchbackTargets ?? [];
  return layout(
    `Review ${review.id}: ${status.name}`,
    html`<p><a href="/">All projects</a> › <a href="${componentPath(status.projectId, status.componentId)}">${status.name}</a></p>
<h1>Review ${review.id}: ${status.name}</h1>
${error ? html`<div class="notice error" role="alert"><p>${error}</p></div>` : ''}
<section class="panel" aria-labelledby="asked">
<h2 id="asked">What you are asked</h2>
<p>${levelBadge(review.level)}</p>
<p>${definition.meaning}</p>
<p>Proposal: <strong>${proposalText(review.proposal, review.level)}</strong>${reReviewWords(review)}.</p>
${review.note ? html`<p>Note from the submitter: ${review.note}</p>` : ''}
${reviewAlerts(review)}
${reviewEvidence(review)}
<p class="muted">Submitted by ${review.submittedBy} on ${utcMinute(review.submittedAt)}, for ${status.projectId}/${status.componentId} (${status.kind}). You are answering as <strong>${grant.reviewer}</strong>.</p>
${reviewProgress(review)}
</section>
<section class="panel" aria-labelledby="expected">
<h2 id="expected">What Level ${review.level} expects of the code and the data</h2>
<p><strong>Code</strong>: ${expected.codeCaliberMeaning}</p>
<p><strong>Data considerations</strong>:</p>
<ul>${expected.dataConsiderations.map((line) => html`<li>${line}</li>`)}</ul>
<p class="muted">Approving confirms these. If the component does not meet them, request changes and say what is missing.</p>
</section>
${dependenciesSection(card)}
<section class="panel" aria-labelledby="card"><h2 id="card">TRL card</h2>${cardSections(card)}</section>
<section class="panel" aria-labelledby="ethics"><h2 id="ethics">Ethics answers for this review</h2>${ethicsAnswers(card, review.id)}</section>
${card.tasks.length ? html`<section class="panel" aria-labelledby="tasks"><h2 id="tasks">Requested changes</h2>${taskResolutions(card, review.id)}</section>` : ''}
<section class="panel" aria-labelledby="requirements"><h2 id="requirements">Requirements by risk</h2>${requirementsTable(card)}</section>
<section aria-labelledby="verdict">
<h2 id="verdict">Your verdict</h2>
<div class="verdicts">
<form class="verdict" method="post" action="${action}" aria-labelledby="approve-title">
<h3 id="approve-title">Approve</h3>
<p class="muted">Counts toward the quorum of every role you hold on this level's panel.</p>
<input type="hidden" name="verdict" value="approve" />
<p><input type="checkbox" id="confirm" name="confirm" value="yes" required${form['verdict'] === 'approve' && form['confirm'] === 'yes' ? ' checked' : ''} />
<label for="confirm">I confirm the component meets Level ${review.level}'s code caliber and data considerations above</label></p>
<label for="approve-comment">Comment (optional)</label>
<textarea id="approve-comment" name="comment">${form['verdict'] === 'approve' ? (form['comment'] ?? '') : ''}</textarea>
<button type="submit" class="approve">Approve</button>
</form>
<form class="verdict" method="post" action="${action}" aria-labelledby="changes-title">
<h3 id="changes-title">Request changes</h3>
<p class="muted">Closes the review; the owner gets your task list.</p>
<input type="hidden" name="verdict" value="request-changes" />
<label for="tasks">Tasks, one per line</label>
<textarea id="tasks" name="tasks" required>${form['verdict'] === 'request-changes' ? (form['tasks'] ?? '') : ''}</textarea>
<label for="changes-comment">Comment (optional)</label>
<textarea id="changes-comment" name="comment">${form['verdict'] === 'request-changes' ? (form['comment'] ?? '') : ''}</textarea>
<button type="submit" class="changes">Request changes</button>
</form>
<form class="verdict" method="post" action="${action}" aria-labelledby="back-title">
<h3 id="back-title">Send back</h3>
<p class="muted">Closes the review; the component works at the chosen level and earns every level above it again.</p>
<input type="hidden" name="verdict" value="switchback" />
${targets.length
  ? html`<label for="target">Back to level</label>
<select id="target" name="targetLevel" required>
${targets.map((level) => html`<option value="${level}"${String(level) === form['targetLevel'] ? ' selected' : ''}>Level ${level} · ${levelDefinition(level).name}</option>`)}
</select>
<label for="reason">Reason</label>
<textarea id="reason" name="reason" required>${form['verdict'] === 'switchback' ? (form['reason'] ?? '') : ''}</textarea>
<button type="submit" class="back">Send back</button>`
  : html`<p>The component entered at this level: there is no lower level to send it back to.</p>`}
</form>
</div>
</section>`,
  );
}

function resultPage(state: ReviewState, decision: Decision, loaded: Loaded): Html {
  const { status } = loaded;
  const lines: Html[] = [html`Your verdict on review ${state.reviewId} — <strong>${verdictWords[decision.verdict]}</strong> — is counted.`];
  if (state.open) {
    lines.push(html`The review stays open: still waiting for ${state.missingRoles.join(', ') || 'the quorum'}.`);
  } else if (state.outcome) {
    lines.push(html`Review ${state.reviewId} is closed: <strong>${state.outcome}</strong>.`);
  }
  lines.push(html`${status.name} is now at ${levelBadge(state.level)}, ${state.state}.`);
  return messagePage('Thank you: your verdict is in', 'ok', lines, [
    { href: componentPath(status.projectId, status.componentId), text: `${status.name}'s page` },
    { href: '/', text: 'All projects' },
  ]);
}

/** A re-review whose owner has not yet answered the ethics checklist: nothing to decide yet (rules edition 2). */
function waitingPage(c: Context, { status }: Loaded): Response | Promise<Response> {
  return c.html(
    messagePage("Waiting for the owner's ethics answers", 'info', [
      html`Re-review ${status.openReview?.id} of ${status.name} is waiting for the owner's answers to the ethics checklist. Verdicts count once they are in: you will get an email with the answers and a fresh link then.`,
    ], [{ href: componentPath(status.projectId, status.componentId), text: `${status.name}'s page` }]),
    409,
  );
}

function spentPage(c: Context, loaded: Loaded): Response | Promise<Response> {
  const { grant, status } = loaded;
  const componentLink = { href: componentPath(status.projectId, status.componentId), text: `${status.name}'s page` };
  const answered = status.openReview?.id === grant.reviewId ? status.openReview.answered.find((a) => a.reviewer === grant.reviewer) : undefined;
  if (answered) {
    return c.html(
      messagePage('You have already answered this review', 'info', [
        html`Your verdict on review ${grant.reviewId} was <strong>${verdictWords[answered.verdict] ?? answered.verdict}</strong>. Each review link counts once: this one is spent, and nothing more is needed from you.`,
      ], [componentLink]),
      409,
    );
  }
  const closed = loaded.card.reviews.find((r) => r.id === grant.reviewId);
  const yours = closed?.verdicts.find((v) => v.reviewer === grant.reviewer);
  return c.html(
    messagePage('This review is closed', 'info', [
      html`Review ${grant.reviewId} of ${status.name} is no longer open${closed ? html` (${closed.outcome})` : ''}, so this link is spent.${
        yours ? html` Your verdict was <strong>${verdictWords[yours.verdict] ?? yours.verdict}</strong>.` : ''
      }`,
      html`${status.name} is at ${levelBadge(status.level)}, ${status.state}.`,
    ], [componentLink]),
    409,
  );
}

export function reviewPages(deps: HttpDependencies): Hono {
  const { client, links } = deps;
  const web = new Hono();

  /** Verify the token and load the component, or answer with the page that says why not. */
  async function load(c: Context): Promise<Loaded | Response> {
    // Only a review link opens this page: a person token is refused as `wrong-kind`.
    const verified = await links.verify(c.req.param('token') ?? '', 'review');
    if (!verified.ok) {
      const refusal = REFUSED_LINK[verified.refusal];
      return c.html(messagePage(refusal.title, 'error', [html`${refusal.text}`]), refusal.status);
    }
    const grant = verified.grant;
    const handle = componentHandle(client, grant.projectId, grant.componentId);
    try {
      const [status, card] = await Promise.all([call(() => handle.query(statusQuery)), call(() => handle.query(cardQuery))]);
      return { grant, status, card };
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage(problem.status === 404 ? 'This component is gone' : 'Unavailable', 'error', [html`${problem.message}`]), problem.status);
    }
  }

  const isSpent = ({ grant, status }: Loaded) =>
    status.openReview?.id !== grant.reviewId || status.openReview.answered.some((a) => a.reviewer === grant.reviewer);

  web.get('/review/:token', async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    if (isSpent(loaded)) return spentPage(c, loaded);
    if (loaded.status.openReview?.awaitingEthics) return waitingPage(c, loaded);
    return c.html(reviewPage(c.req.param('token'), loaded));
  });

  web.post('/review/:token', async (c) => {
    const loaded = await load(c);
    if (loaded instanceof Response) return loaded;
    if (isSpent(loaded)) return spentPage(c, loaded);
    const raw = Object.fromEntries(Object.entries(await c.req.parseBody()).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    let decision: Decision;
    try {
      decision = decisionFrom(parseInput(ReviewForm, raw, 'verdict'), loaded.grant);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return c.html(reviewPage(c.req.param('token'), loaded, error.message, raw), 400);
    }
    let state: ReviewState;
    try {
      const handle = componentHandle(client, loaded.grant.projectId, loaded.grant.componentId);
      state = await call(() => handle.executeUpdate(decideUpdate, { args: [decision] }));
    } catch (error) {
      if (error instanceof ClientError && (error.kind === 'refused' || error.kind === 'invalid')) {
        // The workflow's rules refused it: not on this level's panel, the owner or submitter, paused…
        return c.html(
          messagePage('Your verdict was refused', 'error', [html`${error.message}`, html`Nothing was recorded. If you think you should be on this panel, ask the project's owners.`], [
            { href: componentPath(loaded.status.projectId, loaded.status.componentId), text: `${loaded.status.name}'s page` },
          ]),
          403,
        );
      }
      throw error;
    }
    if (state.acknowledged === 'repeated') {
      // Another submission of this link got there first: show the state that one left.
      const handle = componentHandle(client, loaded.grant.projectId, loaded.grant.componentId);
      const [status, card] = await Promise.all([call(() => handle.query(statusQuery)), call(() => handle.query(cardQuery))]);
      return spentPage(c, { grant: loaded.grant, status, card });
    }
    return c.html(resultPage(state, decision, loaded));
  });

  return web;
}
