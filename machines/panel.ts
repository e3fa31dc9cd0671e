/**
 * Who reviews: the roles a level's panel needs, who may sit on it (separation of duties), and
 * how far an open review is from its quorum.
 */
import { levelDefinition, type Role } from './levels.js';
import type { Person, Roster } from './model.js';
import type { ComponentContext, OpenReview } from './context.js';

export function requiredRoles(context: Pick<ComponentContext, 'policy'>, level: number): Role[] {
  return context.policy.levels?.[String(level) as '0']?.roles ?? levelDefinition(level).roles;
}

export function levelDeliverables(context: Pick<ComponentContext, 'policy'>, level: number): string[] {
  return context.policy.levels?.[String(level) as '0']?.deliverables ?? levelDefinition(level).deliverables;
}

/** The roles a person holds on the roster, among the given ones. */
export function rolesOf(roster: Roster, email: string, among: readonly Role[]): Role[] {
  const who = email.toLowerCase();
  return among.filter((role) => (roster[role] ?? []).some((person) => person.email === who));
}

/** Separation of duties: neither the component's owner nor the submitter judges the review. */
export function isExcludedFromReview(context: ComponentContext, email: string, submittedBy: string): boolean {
  const who = email.toLowerCase();
  return who === context.owner.email || who === submittedBy.toLowerCase();
}

/** Roles of `level` that have fewer eligible reviewers than the quorum needs, were `submitter` to submit. */
export function panelGaps(context: ComponentContext, level: number, submitter?: string): Role[] {
  return requiredRoles(context, level).filter((role) => {
    const eligible = (context.roster[role] ?? []).filter(
      (person) => !isExcludedFromReview(context, person.email, submitter ?? context.owner.email),
    );
    return eligible.length < context.policy.approvalsPerRole;
  });
}

export function panelFor(context: ComponentContext, level: number, submittedBy: string): { role: Role; person: Person }[] {
  return requiredRoles(context, level).flatMap((role) =>
    (context.roster[role] ?? [])
      .filter((person) => !isExcludedFromReview(context, person.email, submittedBy))
      .map((person) => ({ role, person })),
  );
}

/** Approvals per required role on the open review; a person holding two required roles counts for both. */
export function approvalsByRole(context: ComponentContext, review: OpenReview): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const role of requiredRoles(context, review.level)) counts[role] = 0;
  for (const given of review.verdicts) {
    if (given.verdict !== 'approve') continue;
    for (const role of given.roles) if (role in counts) counts[role] = (counts[role] ?? 0) + 1;
  }
  return counts;
}

export function missingRoles(context: ComponentContext, review: OpenReview): Role[] {
  const counts = approvalsByRole(context, review);
  return requiredRoles(context, review.level).filter((role) => (counts[role] ?? 0) < context.policy.approvalsPerRole);
}

export function quorumReached(context: ComponentContext, review: OpenReview): boolean {
  return missingRoles(context, review).length === 0;
}

export function unansweredReviewers(context: ComponentContext, review: OpenReview): Person[] {
  const answered = new Set(review.verdicts.map((v) => v.reviewer));
  const seen = new Set<string>();
  return panelFor(context, review.level, review.submittedBy)
    .map(({ person }) => person)
    .filter((person) => !answered.has(person.email) && !seen.has(person.email) && seen.add(person.email));
}

export function isPersonKnown(context: ComponentContext, email: string): boolean {
  const who = email.toLowerCase();
  return (
    who === context.owner.email ||
    context.projectOwners.some((p) => p.email === who) ||
    Object.values(context.roster).some((people) => (people ?? []).some((p) => p.email === who))
  );
}

export function isLead(context: ComponentContext, email: string): boolean {
  const who = email.toLowerCase();
  return who === context.owner.email || context.projectOwners.some((p) => p.email === who);
}
