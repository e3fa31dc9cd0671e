/**
 * Named policy profiles, as data: a project names one in `policy.profile` and the fields it sets
 * itself still apply on top. `default` is exactly the engine's defaults, so a project without a
 * profile (every project recorded before profiles existed) behaves as it always did.
 *
 * A deliverable named `key.part` asks for the named part `part` of the card key `key` (a card key
 * holding an object of named texts), so a gate can say which part of a check is missing.
 */
import { levelDefinition, type Role } from './levels.js';

export const PROFILE_NAMES = ['default', 'lean', 'causal-inference'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export type ProfileLevelKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

export interface ProfileLevel {
  roles?: Role[];
  deliverables?: string[];
}

export interface PolicyProfile {
  /** One line for people choosing a profile. */
  summary: string;
  approvalsPerRole: number;
  remindEvery: string;
  escalateAfter: string;
  rereviewEvery: string;
  riskThreshold: number;
  levels?: Partial<Record<ProfileLevelKey, ProfileLevel>>;
}

const DEFAULTS = {
  approvalsPerRole: 1,
  remindEvery: '2 days',
  escalateAfter: '7 days',
  rereviewEvery: '90 days',
  riskThreshold: 3,
} as const;

/** A level's own deliverables and the profile's additions, so the framework's gate stays whole. */
const plus = (level: number, ...extra: string[]): string[] => [...levelDefinition(level).deliverables, ...extra];

/**
 * The paper's checks for causal inference ("Causal inference and ML in medicine"): the causal
 * structure with the experts consulted and their consensus, and identifiability, to leave Level 0;
 * confounding-bias adjustment checked at Level 1; sensitivity analysis at Level 2; consistency at
 * the Level 4 proof of concept.
 */
export const CAUSAL_STRUCTURE_PARTS = ['graph', 'expertsConsulted', 'consensus'] as const;

export const PROFILES: Record<ProfileName, PolicyProfile> = {
  default: {
    summary: "The framework's full panels and the standard cadence.",
    ...DEFAULTS,
  },
  lean: {
    // The paper calls MLTRL "lean": a small team keeps every gate but seats at most two roles per
    // panel, the ones whose judgement the level is about, and hears back sooner.
    summary: 'Small teams: at most two reviewing roles per level, daily reminders, escalation after 3 days, re-review every 30 days.',
    ...DEFAULTS,
    remindEvery: '1 day',
    escalateAfter: '3 days',
    rereviewEvery: '30 days',
    levels: {
      // Levels 0–2 already have at most two roles (the research lead, then a researcher).
      '3': { roles: ['research-lead', 'engineering'] }, // research code becomes prototype code
      '4': { roles: ['applied-ai', 'product'] }, // real data for a real use-case
      '5': { roles: ['applied-ai', 'product'] }, // research requirements validated, product ones drafted
      '6': { roles: ['engineering', 'product'] }, // product code against product requirements and SLOs
      '7': { roles: ['engineering', 'qa'] }, // integration and test suites
      '8': { roles: ['product', 'ethics'] }, // the go/no-go before people are affected
      '9': { roles: ['product', 'applied-ai'] }, // monitoring drift; keep or switch back
    },
  },
  'causal-inference': {
    summary: 'Causal models: the causal structure, identifiability, confounding adjustment, sensitivity analysis and consistency are gate deliverables.',
    ...DEFAULTS,
    levels: {
      '0': { deliverables: plus(0, ...CAUSAL_STRUCTURE_PARTS.map((part) => `causalStructure.${part}`), 'identifiability') },
      '1': { deliverables: plus(1, 'confoundingAdjustment') },
      '2': { deliverables: plus(2, 'sensitivityAnalysis') },
      '4': { deliverables: plus(4, 'consistency') },
    },
  },
};

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}
