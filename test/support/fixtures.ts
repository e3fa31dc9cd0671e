/** A realistic project for workflow and end-to-end tests: a full roster, and a card that passes every gate. */
import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from '../../machines/levels.js';
import type { CardPatch, ProjectDefinitionInput } from '../../machines/model.js';
import { DEFAULT_ETHICS_CHECKLIST } from '../../machines/ethics.js';

/** Tests compress days into seconds: workers in tests carry no hourly email cap unless a test is about it. */
export const NO_EMAIL_CAP = 100_000;

export const OWNER = { name: 'Ola Owner', email: 'owner@lab.example' };
export const LEAD = { name: 'Lee Lead', email: 'lead@lab.example' };

/** Two reviewers per role, e.g. research-lead-1@lab.example. */
export function reviewer(role: Role, n: 1 | 2 = 1) {
  return { name: `${role} ${n}`, email: `${role}-${n}@lab.example` };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function project(overrides: Partial<ProjectDefinitionInput> = {}): ProjectDefinitionInput & { id: string } {
  const roster = Object.fromEntries(ROLES.map((role) => [role, [reviewer(role, 1), reviewer(role, 2)]]));
  return {
    id: uniqueId('proj'),
    name: 'Neuropathology copilot',
    owners: [LEAD],
    roster,
    components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 0, owner: OWNER }],
    ...overrides,
  };
}

/** Answers to every item of the default ethics checklist. */
export const ETHICS = Object.fromEntries(DEFAULT_ETHICS_CHECKLIST.map((item) => [item.id, 'Reviewed with the ethics board; no open concerns.']));

/** A card patch with every gate deliverable of Levels 0 to 9 present and every requirement validated. */
export const FULL_CARD: CardPatch = {
  hypotheses: 'Unsupervised anomaly detection finds rare pathologies in whole-slide images.',
  literature: 'Reviewed 40 papers on anomaly detection in histopathology.',
  dataReadiness: 'Level C: raw slides available, labels sparse.',
  sampleData: 'A sample of 200 slides from two sites.',
  experiments: 'Autoencoder and flow baselines compared on the sample.',
  versions: { code: '0.3.0', model: '0.2.0', data: '1.0.0' },
  testingStatus: { unit: '92% of modules covered', integration: 'slide loader and scorer tested end to end' },
  documentation: 'API and model docs in the repository.',
  realDataResults: 'AUROC 0.91 on 5,000 slides from the partner hospital.',
  slo: 'p99 scoring latency under 2 s per slide.',
  dataPipelineSpec: 'Nightly ingestion from the slide archive with schema checks.',
  compliance: 'HIPAA review passed.',
  testSuites: { scenarios: 'rare tumour types', golden: 'golden set v3', metamorphic: 'rotation invariance', interventions: 'stain shift' },
  deploymentTests: 'Shadow deployment for four weeks.',
  dataLogging: 'Scores and inputs logged with retention of 90 days.',
  monitoring: { dataQuality: 'schema checks', dataDrift: 'PSI per stain', conceptDrift: 'monthly label audit' },
  requirements: [
    { id: 'R1.1', statement: 'Detect anomalies at AUROC >= 0.85', verification: 'held-out test', validation: 'pathologist review', pFailure: 0.2, value: 5, status: 'validated' },
    { id: 'P1.1', statement: 'Slides are processed inside the hospital network', category: 'privacy', verification: 'network audit', validation: 'security review', pFailure: 0.1, value: 8, status: 'validated' },
  ],
};
