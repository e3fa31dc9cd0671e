/**
 * What the framework expects of a component's code and data at each level (MLTRL: "progressive
 * code and testing standards", and "several important data considerations at each MLTRL level"),
 * as data, in the paper's words where they fit on a line. Shown with the gate, on the card, in the
 * review-opened email and on the review page; an approve verdict confirms them (edition 2 records
 * what it confirmed, see `confirmationOf`). Pure: no logic beyond lookups.
 */
import { levelDefinition, type CodeCaliber } from './levels.js';

/** What each code caliber means, in one sentence from the paper's level definitions. */
export const CODE_CALIBER_MEANING: Readonly<Record<CodeCaliber, string>> = {
  none: 'No code is expected yet: hypotheses and explorations are assessed for mathematical validity, novelty and utility, not code.',
  research:
    'Research-caliber code: quick and dirty, moving fast through experiments; hacky code is okay and full test coverage is discouraged, as long as the codebase is organized and maintainable and code, models and data are semantically versioned.',
  prototype:
    'Prototype-caliber code: a significant step up in robustness and cleanliness; well-designed and well-architected for dataflow and interfaces, generally covered by unit and integration tests, meeting team style standards and sufficiently documented.',
  product:
    'Product-caliber code: deployed to users, so it follows precise specifications, has comprehensive test coverage and well-defined APIs, and is robustified towards its target use-cases.',
};

/** The data considerations of each level, index = level. */
export const DATA_CONSIDERATIONS: readonly (readonly string[])[] = [
  [
    'Data availability is considered before the research moves past theory (not a hard requirement at this level).',
    'Conclusions about data readiness, with strategies for getting the data suitable for the ML task.',
  ],
  [
    'Sample data representative of downstream real datasets: a subset of real data, synthetic data, or both.',
    'Data acquisition and processing strategies considered now, before they become a blocker.',
    'Datasets versioned alongside code and models.',
  ],
  [
    'Benchmark, semi-simulated or simulated data that characterizes model properties and highlights corner cases or boundary conditions.',
    'Analyses well-documented and reproducible.',
  ],
  [
    'Dedicated subsets of the experiment data as default testing sources, and mock data for specific functionalities and scenarios.',
    'Version control for models and datasets; domain- or organization-specific data management and compliance standards pointed out.',
  ],
  [
    'Real-world, representative data of the use-case: synthetic data alone is not enough.',
    'Data readiness reviewed again: the real-world data evaluated for quality, validity and availability.',
    'A data pipeline proof of concept resembling the future inference pipeline.',
  ],
  [
    'Data pipelines planned to scale to more engineers, more data and automated testing.',
    'Data governance considered (planning and control, organizational, risk-based): no silos, duplications or unclear responsibilities.',
  ],
  [
    'Data pipelines specified for the product (the data pipeline spec is reviewed).',
    'Additional data for robustness: adversarial examples, semantically equivalent perturbations, data from different sources.',
    'Data privacy, security and regulatory compliance.',
  ],
  [
    'A golden dataset defined to baseline each model and succession of models in CI/CD tests.',
    'Test suites for critical scenarios and data slices, and data intervention tests that catch data bugs upstream and downstream.',
    'Data governance prioritized by QA: how data is obtained, managed, used and secured.',
  ],
  [
    'Mechanisms for automatically logging data distributions alongside model performance once deployed.',
    'Shadow, canary or A/B tests that surface data quality issues, data drift and concept drift before deployment.',
  ],
  [
    'Monitoring for data quality, data drift and concept drift, with logging and inspection of data alongside models.',
    'Model outputs recorded for evaluation after the fact; owners on top of data policy shifts.',
  ],
];

/** A level's code and data expectations, as the gate, the card, the emails and the review page show them. */
export interface LevelExpectations {
  level: number;
  codeCaliber: CodeCaliber;
  codeCaliberMeaning: string;
  dataConsiderations: string[];
}

export function expectationsFor(level: number): LevelExpectations {
  const { codeCaliber } = levelDefinition(level);
  return { level, codeCaliber, codeCaliberMeaning: CODE_CALIBER_MEANING[codeCaliber], dataConsiderations: [...(DATA_CONSIDERATIONS[level] ?? [])] };
}

/**
 * What an approve verdict confirms: the code caliber and data considerations of the review's level,
 * kept as the words the approver saw (a later edit of this table does not rewrite the record).
 */
export interface Confirmation {
  level: number;
  codeCaliber: CodeCaliber;
  dataConsiderations: string[];
}

export function confirmationOf(level: number): Confirmation {
  const { codeCaliber, dataConsiderations } = expectationsFor(level);
  return { level, codeCaliber, dataConsiderations };
}

/** "prototype" → "Prototype-caliber code"; "none" → "No code expected". */
export function caliberLabel(caliber: CodeCaliber): string {
  return caliber === 'none' ? 'No code expected' : `${caliber.charAt(0).toUpperCase()}${caliber.slice(1)}-caliber code`;
}
