/**
 * The default AI ethics checklist. The framework asks every review to run through an ethics
 * checklist defined by the organization, repeated at each review because the panel and the
 * stakeholders change over the lifecycle; a project replaces this list with `policy.ethicsChecklist`.
 */
import type { EthicsItem } from './model.js';

export const DEFAULT_ETHICS_CHECKLIST: readonly EthicsItem[] = [
  {
    id: 'data-collection',
    stage: 'pre-development',
    question: 'Was the data collected with consent and in line with the law and the data owners\' terms?',
  },
  {
    id: 'harm',
    stage: 'pre-development',
    question: 'Who could be harmed if the technology fails or is misused, and how is that harm limited?',
  },
  {
    id: 'bias',
    stage: 'pre-development',
    question: 'Which groups are under- or over-represented in the data, and what does that do to the results?',
  },
  {
    id: 'privacy',
    stage: 'pre-development',
    question: 'Does the work touch personal or sensitive data, and how is it protected?',
  },
  {
    id: 'fairness-evaluation',
    stage: 'post-development',
    question: 'Has the model been evaluated across the relevant data slices and groups, with the gaps recorded?',
  },
  {
    id: 'explainability',
    stage: 'post-development',
    question: 'Can the model\'s outputs be explained to the people who rely on them or are affected by them?',
  },
  {
    id: 'accountability',
    stage: 'post-development',
    question: 'Who answers for the model\'s decisions in use, and how can an affected person contest one?',
  },
];

/** Post-development questions start at Proof of concept, the first level with a model on real data. */
export const POST_DEVELOPMENT_FROM_LEVEL = 4;

export function ethicsItemsForLevel(checklist: readonly EthicsItem[], level: number): EthicsItem[] {
  return checklist.filter((item) => item.stage === 'pre-development' || level >= POST_DEVELOPMENT_FROM_LEVEL);
}
