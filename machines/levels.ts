/**
 * The ten MLTRL levels as data (SPEC §2). Roles, gate deliverables and proposals are read from this
 * table; a project may override roles and deliverables per level in its policy. No logic lives here.
 */

export const ROLES = [
  'research-lead',
  'researcher',
  'applied-ai',
  'engineering',
  'product',
  'qa',
  'ethics',
] as const;
export type Role = (typeof ROLES)[number];

export const PHASES = ['research', 'prototyping', 'productization', 'deployment'] as const;
export type Phase = (typeof PHASES)[number];

export type CodeCaliber = 'none' | 'research' | 'prototype' | 'product';

/**
 * A gate deliverable: either a card key that must be present, or one of the named checks of
 * `machines/gate.ts` (requirements, risk, validation).
 */
export const DELIVERABLE_CHECKS = [
  'researchRequirements',
  'securityPrivacyRequirements',
  'researchRequirementsValidated',
  'productRequirementsDrafted',
  'productRequirementsVerifiedValidated',
  'allRequirementsValidated',
] as const;
export type DeliverableCheck = (typeof DELIVERABLE_CHECKS)[number];

export interface LevelDefinition {
  level: number;
  name: string;
  phase: Phase;
  codeCaliber: CodeCaliber;
  /** What the level is for, in the framework's words; shown to reviewers. */
  meaning: string;
  roles: Role[];
  deliverables: string[];
  /** Proposals a submitter may make; the first is the default. */
  proposals: Proposal[];
  /** Flagged risks must carry a mitigation before this level's review (SPEC §3, Risk). */
  requiresMitigations: boolean;
}

export const MIN_LEVEL = 0;
export const MAX_LEVEL = 9;
export const MAX_ENTRY_LEVEL = 4;

export const LEVELS: readonly LevelDefinition[] = [
  {
    level: 0,
    name: 'First principles',
    phase: 'research',
    codeCaliber: 'none',
    meaning: 'Greenfield research: hypotheses, literature, and an honest look at data readiness.',
    roles: ['research-lead'],
    deliverables: ['hypotheses', 'literature', 'dataReadiness'],
    proposals: ['graduate'],
    requiresMitigations: false,
  },
  {
    level: 1,
    name: 'Goal-oriented research',
    phase: 'research',
    codeCaliber: 'research',
    meaning: 'Experiments on sample data toward a specific goal, with versioned code, model and data.',
    roles: ['research-lead', 'researcher'],
    deliverables: ['sampleData', 'experiments', 'versions'],
    proposals: ['graduate'],
    requiresMitigations: false,
  },
  {
    level: 2,
    name: 'Proof of principle',
    phase: 'research',
    codeCaliber: 'research',
    meaning: 'The idea works in a realistic setting; research requirements are written with V&V and risk.',
    roles: ['research-lead', 'researcher'],
    deliverables: ['researchRequirements'],
    proposals: ['prototype', 'continue-research', 'both'],
    requiresMitigations: false,
  },
  {
    level: 3,
    name: 'System development',
    phase: 'prototyping',
    codeCaliber: 'prototype',
    meaning: 'Research code becomes prototype code: tested, documented, interoperable.',
    roles: ['research-lead', 'applied-ai', 'engineering'],
    deliverables: ['testingStatus', 'documentation', 'versions'],
    proposals: ['graduate'],
    requiresMitigations: false,
  },
  {
    level: 4,
    name: 'Proof of concept',
    phase: 'prototyping',
    codeCaliber: 'prototype',
    meaning: 'The technology shown on real data for a real use-case, with security, privacy and ethics reviewed.',
    roles: ['applied-ai', 'engineering', 'product'],
    deliverables: ['realDataResults', 'securityPrivacyRequirements'],
    proposals: ['proceed', 'pause', 'switchback-2'],
    requiresMitigations: false,
  },
  {
    level: 5,
    name: 'ML capability',
    phase: 'prototyping',
    codeCaliber: 'prototype',
    meaning: 'A proven ML capability: research requirements verified and validated, product requirements drafted.',
    roles: ['applied-ai', 'engineering', 'product'],
    deliverables: ['researchRequirementsValidated', 'productRequirementsDrafted'],
    proposals: ['graduate'],
    requiresMitigations: true,
  },
  {
    level: 6,
    name: 'Application development',
    phase: 'productization',
    codeCaliber: 'product',
    meaning: 'Product-quality code against product requirements, SLOs, data pipelines and compliance.',
    roles: ['engineering', 'product', 'ethics'],
    deliverables: ['productRequirementsVerifiedValidated', 'slo', 'dataPipelineSpec', 'compliance'],
    proposals: ['graduate'],
    requiresMitigations: false,
  },
  {
    level: 7,
    name: 'Integrations',
    phase: 'productization',
    codeCaliber: 'product',
    meaning: 'Integrated into the larger system with test suites for critical scenarios and data slices.',
    roles: ['engineering', 'applied-ai', 'qa'],
    deliverables: ['testSuites'],
    proposals: ['graduate'],
    requiresMitigations: false,
  },
  {
    level: 8,
    name: 'Mission-ready',
    phase: 'deployment',
    codeCaliber: 'product',
    meaning: 'Every requirement validated; shadow, canary or A/B deployment tests; data logging in place.',
    roles: ['product', 'engineering', 'applied-ai', 'qa', 'ethics'],
    deliverables: ['allRequirementsValidated', 'deploymentTests', 'dataLogging'],
    proposals: ['go', 'no-go'],
    requiresMitigations: true,
  },
  {
    level: 9,
    name: 'Deployment',
    phase: 'deployment',
    codeCaliber: 'product',
    meaning: 'Deployed and monitored for data quality, data drift and concept drift; re-reviewed on a schedule.',
    roles: ['product', 'applied-ai', 'qa'],
    deliverables: ['monitoring'],
    proposals: ['keep', 'switchback-7', 'switchback-4'],
    requiresMitigations: false,
  },
];

export function levelDefinition(level: number): LevelDefinition {
  const definition = LEVELS[level];
  if (!definition) throw new RangeError(`level must be ${MIN_LEVEL} to ${MAX_LEVEL}, got ${level}`);
  return definition;
}

/** What a review proposes to do once its panel approves: the closed set of SPEC §2's proposals. */
export const PROPOSALS = [
  'graduate',
  'prototype',
  'continue-research',
  'both',
  'proceed',
  'pause',
  'switchback-2',
  'go',
  'no-go',
  'keep',
  'switchback-7',
  'switchback-4',
] as const;
export type Proposal = (typeof PROPOSALS)[number];

/** What an approved proposal does: go up a level (and maybe branch a research copy), stay, pause, or switch back. */
export type ProposalOutcome = { kind: 'raise'; branch?: true } | { kind: 'stay' } | { kind: 'pause' } | { kind: 'switchback'; to: number };

export const PROPOSAL_OUTCOMES: Record<Proposal, ProposalOutcome> = {
  graduate: { kind: 'raise' },
  prototype: { kind: 'raise' },
  'continue-research': { kind: 'stay' },
  both: { kind: 'raise', branch: true },
  proceed: { kind: 'raise' },
  pause: { kind: 'pause' },
  'switchback-2': { kind: 'switchback', to: 2 },
  go: { kind: 'raise' },
  'no-go': { kind: 'stay' },
  keep: { kind: 'stay' },
  'switchback-7': { kind: 'switchback', to: 7 },
  'switchback-4': { kind: 'switchback', to: 4 },
};

/** The level's proposal a submitter named (its default when none), or undefined when the level has no such proposal. */
export function proposalAt(level: number, named: string | undefined): Proposal | undefined {
  const proposals = levelDefinition(level).proposals;
  return named === undefined ? proposals[0] : proposals.find((proposal) => proposal === named);
}
