/**
 * The ethics checklist at every review, re-reviews included (rules edition 2). The framework runs
 * the checklist at each review because the panel and the stakeholders change over the lifecycle,
 * so a Level 9 re-review — scheduled, triggered by an operator, or opened by an alert — first asks
 * the component's owner (or a project owner) to answer it. Until the answers are in, the review
 * waits: reminders go to the owner, the panel is not yet asked, and a verdict is refused with the
 * reason. Once they are in, the panel is asked (with the answers in the email and on the review
 * page) and its reminder and escalation clock starts from then. Pure, like the rest of machines/.
 */
import { ETHICS_ANSWERS_KEPT, type ComponentContext } from './context.js';
import { keepLatest, LIST_BUDGET_BYTES } from './budget.js';
import type { AnswerEthicsEvent } from './events.js';
import { unansweredEthics } from './gate.js';
import { isLead } from './panel.js';

/** The open review is waiting for the owner's ethics answers. */
export const awaitingEthics = (context: Pick<ComponentContext, 'review'>) => context.review?.awaitingEthics === true;

export const WAITING_FOR_ETHICS = "waiting for the owner's ethics answers";

/** Why the answers cannot be taken, if they cannot. */
export function answerEthicsRefusals(context: ComponentContext, event: AnswerEthicsEvent): string[] {
  const review = context.review;
  if (!review || !review.awaitingEthics) {
    return [review ? `review ${review.id} is not waiting for ethics answers` : 'no review is waiting for ethics answers'];
  }
  if (!isLead(context, event.by)) return [`by: only the component's owner or a project owner answers the ethics checklist`];
  const missing = unansweredEthics(context, review.level, event.answers);
  return missing.length > 0 ? [`answers: answer ${missing.join(', ')}`] : [];
}

/** The answers recorded on the open review and on the card; the panel's clock starts now. */
export function recordEthicsAnswers(context: ComponentContext, event: AnswerEthicsEvent): ComponentContext {
  const review = context.review;
  if (!review) return context;
  const by = event.by.toLowerCase();
  const entry = { reviewId: review.id, level: review.level, by, at: event.at, answers: event.answers };
  return {
    ...context,
    review: {
      ...review,
      ethics: event.answers,
      awaitingEthics: false,
      nextReminderAt: event.at + context.policy.remindEveryMs,
      escalateAt: event.at + context.policy.escalateAfterMs,
      escalated: false,
    },
    ethicsAnswers: keepLatest([...context.ethicsAnswers, entry], ETHICS_ANSWERS_KEPT, LIST_BUDGET_BYTES.ethicsAnswers),
  };
}
