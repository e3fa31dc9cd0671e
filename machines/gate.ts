/**
 * The gate: what is still missing before a `submit` would be accepted at the current level
 * (deliverables, mitigations of flagged risks, ethics answers, an eligible panel).
 */
import { ethicsItemsForLevel } from './ethics.js';
import { levelDefinition, DELIVERABLE_CHECKS, type DeliverableCheck, type Role } from './levels.js';
import { requirementKind, requirementRisk, type CardContent, type Requirement } from './model.js';
import type { ComponentContext } from './context.js';
import { levelDeliverables, panelGaps } from './panel.js';
import { expectationsFor, type LevelExpectations } from './expectations.js';
import { openTasksAt } from './tasks.js';

export interface Gate {
  level: number;
  missingDeliverables: string[];
  unmitigatedRisks: string[];
  ethicsItems: string[];
  /** Open work items of this level (rules edition 2): the submit resolves each, done or carried. */
  openTasks: string[];
  panelGaps: Role[];
  /** The level's code caliber and data considerations: what the panel confirms by approving. */
  expectations: LevelExpectations;
}

function isFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/**
 * Whether the card holds a deliverable: a card key, or (`key.part`, as profiles name the parts of
 * a check) the named part of a card key written as an object of named texts. A plain text has no
 * named parts, so each required part of it is reported missing by name.
 */
function hasText(card: CardContent, name: string): boolean {
  const dot = name.indexOf('.');
  if (dot < 0) return isFilled(card[name]);
  const value = card[name.slice(0, dot)];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return isFilled((value as Record<string, unknown>)[name.slice(dot + 1)]);
}

const hasRisk = (r: Requirement) => requirementRisk(r) !== undefined;
const hasVerificationAndValidation = (r: Requirement) => Boolean(r.verification && r.validation);
const isValidated = (r: Requirement) => r.status === 'validated' || r.status === 'waived';

/** Each named check returns the ids of what fails it, or a description when nothing exists yet. */
const DELIVERABLE_CHECK_RULES: Record<DeliverableCheck, (requirements: Requirement[]) => string[]> = {
  researchRequirements: (reqs) => {
    const research = reqs.filter((r) => requirementKind(r) === 'research');
    if (research.length === 0) return ['researchRequirements (at least one R requirement)'];
    return research
      .filter((r) => !(hasVerificationAndValidation(r) && hasRisk(r)))
      .map((r) => `researchRequirements (${r.id} needs verification, validation, pFailure and value)`);
  },
  securityPrivacyRequirements: (reqs) => {
    const found = reqs.filter((r) => r.category === 'security' || r.category === 'privacy');
    if (found.length === 0) return ['securityPrivacyRequirements (at least one requirement with category security or privacy)'];
    return found.filter((r) => !hasRisk(r)).map((r) => `securityPrivacyRequirements (${r.id} needs pFailure and value)`);
  },
  researchRequirementsValidated: (reqs) =>
    reqs
      .filter((r) => requirementKind(r) === 'research' && !isValidated(r))
      .map((r) => `researchRequirementsValidated (${r.id} is ${r.status ?? 'open'})`),
  productRequirementsDrafted: (reqs) =>
    reqs.some((r) => requirementKind(r) === 'product' && r.statement) ? [] : ['productRequirementsDrafted (at least one P requirement)'],
  productRequirementsVerifiedValidated: (reqs) => {
    const product = reqs.filter((r) => requirementKind(r) === 'product');
    if (product.length === 0) return ['productRequirementsVerifiedValidated (at least one P requirement)'];
    return product
      .filter((r) => !hasVerificationAndValidation(r))
      .map((r) => `productRequirementsVerifiedValidated (${r.id} needs verification and validation)`);
  },
  allRequirementsValidated: (reqs) =>
    reqs.filter((r) => !isValidated(r)).map((r) => `allRequirementsValidated (${r.id} is ${r.status ?? 'open'})`),
};

function isCheck(name: string): name is DeliverableCheck {
  return (DELIVERABLE_CHECKS as readonly string[]).includes(name);
}

export function missingDeliverables(context: ComponentContext, level: number): string[] {
  return levelDeliverables(context, level).flatMap((name) =>
    isCheck(name) ? DELIVERABLE_CHECK_RULES[name](context.card.requirements) : hasText(context.card, name) ? [] : [name],
  );
}

export function flaggedRequirements(context: ComponentContext): Requirement[] {
  return context.card.requirements.filter((r) => (requirementRisk(r) ?? 0) >= context.policy.riskThreshold);
}

export function unmitigatedRisks(context: ComponentContext, level: number): string[] {
  if (!levelDefinition(level).requiresMitigations) return [];
  return flaggedRequirements(context)
    .filter((r) => !r.mitigation)
    .map((r) => r.id);
}

export function ethicsItemIds(context: ComponentContext, level: number): string[] {
  return ethicsItemsForLevel(context.policy.ethicsChecklist, level).map((item) => item.id);
}

export function unansweredEthics(context: ComponentContext, level: number, answers: Record<string, string>): string[] {
  return ethicsItemIds(context, level).filter((id) => !answers[id]?.trim());
}

export function gateFor(context: ComponentContext, submitter?: string): Gate {
  const level = context.level;
  return {
    level,
    missingDeliverables: missingDeliverables(context, level),
    unmitigatedRisks: unmitigatedRisks(context, level),
    ethicsItems: ethicsItemIds(context, level),
    openTasks: openTasksAt(context, level).map((task) => task.id),
    panelGaps: panelGaps(context, level, submitter),
    expectations: expectationsFor(level),
  };
}

export function proposalsFor(level: number): string[] {
  return levelDefinition(level).proposals;
}
