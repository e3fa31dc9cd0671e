/**
 * The paper's five case studies as stories the engine can replay: which components climb how far,
 * which key decisions and switchbacks happen on the way, and what their cards say. Each story is
 * told only through the engine's own messages (card updates, submits, verdicts, branches).
 */
import type { CardPatch } from '../machines/model.js';

export type Step =
  | { climbTo: number }
  /** Submit with this proposal and have the panel approve it. */
  | { decide: string }
  /** Submit, then one panelist sends the component back with a reason. */
  | { reviewSwitchback: { to: number; reason: string } }
  /** The Level 9 re-review falls due (as its schedule fires), the owner answers its ethics checklist, then one panelist sends the component back. */
  | { reReviewSwitchback: { to: number; reason: string } }
  /** Submit; one panelist requests these changes; the next submit marks each done with `done`, and the panel approves. */
  | { requestChanges: { tasks: string[]; done: string } }
  /** An owner finds a gap at the current level and sends the component back (a discovery switchback). */
  | { discovery: { to: number; reason: string } }
  | { branch: { componentId: string; name: string; level: number } }
  | { debrief: { level: number; done: string; punted?: string; learned?: string; debt?: string } }
  | { versions: { code?: string; model?: string; data?: string } };

export interface ComponentStory {
  componentId: string;
  card: CardPatch;
  steps: Step[];
}

export interface Story {
  file: string;
  summary: string;
  components: ComponentStory[];
}

/** Every gate deliverable of Levels 0–9, described for one technology. */
function cardFor(what: string, specifics: Partial<CardPatch>, requirements: NonNullable<CardPatch['requirements']>): CardPatch {
  return {
    techName: what,
    hypotheses: `${what} can be built to the standard the use-case needs.`,
    literature: `Prior work on ${what.toLowerCase()} reviewed with the research lead.`,
    dataReadiness: 'Level B: data collected, documented and access-controlled; labels partial.',
    sampleData: 'A representative sample drawn and versioned.',
    experiments: 'Baselines and ablations tracked in the experiment log.',
    versions: { code: '0.1.0', model: '0.1.0', data: '0.1.0' },
    testingStatus: { unit: 'core modules covered', integration: 'end-to-end path tested' },
    documentation: 'Design notes, API reference and runbook in the repository.',
    realDataResults: 'Evaluated on real data from the target setting.',
    slo: 'Availability 99.5%; latency within the product budget.',
    dataPipelineSpec: 'Versioned ingestion with schema and quality checks.',
    compliance: 'Privacy and security review passed.',
    testSuites: { scenarios: 'critical scenarios and data slices', golden: 'golden dataset', metamorphic: 'metamorphic relations', interventions: 'data intervention tests' },
    deploymentTests: 'Shadow deployment before the switch.',
    dataLogging: 'Inputs, outputs and model versions logged.',
    monitoring: { dataQuality: 'schema and range checks', dataDrift: 'population stability per feature', conceptDrift: 'scheduled label audits' },
    ...specifics,
    requirements,
  };
}

export const STORIES: Story[] = [
  {
    file: 'neuro-copilot.json',
    summary: 'Neuropathology anomaly detection, from first principles (Level 0) to application development',
    components: [
      {
        componentId: 'anomaly-model',
        card: cardFor(
          'Hyperbolic anomaly detector',
          {
            hypotheses: 'Hyperbolic latent spaces organise unlabelled data by its implicit hierarchy, so anomalies stand apart.',
            sampleData: 'Synthetic images isolating hierarchical features, then 200 de-identified slides.',
            intendedUse: 'Flag anomalous regions of whole-slide images for a pathologist to review.',
            unacceptableUses: 'Diagnosis without a pathologist in the loop.',
            caveats: 'Stain and scanner shifts between sites change the false-positive rate.',
          },
          [
            { id: 'R1.1', statement: 'Anomalies separate from normal tissue in the latent space', verification: 'synthetic benchmark', validation: 'pathologist review', pFailure: 0.3, value: 8, status: 'validated', mitigation: 'fall back to flow-based scorer' },
            { id: 'R2.1', statement: 'Calibrated uncertainty for each flagged region', verification: 'expected calibration error < 0.05', validation: 'clinician study', pFailure: 0.4, value: 9, status: 'validated', mitigation: 'temperature scaling per site' },
            { id: 'P1.1', statement: 'Slides never leave the hospital network', category: 'privacy', verification: 'network audit', validation: 'hospital security sign-off', pFailure: 0.1, value: 10, status: 'validated' },
          ],
        ),
        steps: [
          { climbTo: 2 },
          { debrief: { level: 1, done: 'Manifold experiments on synthetic data', learned: 'Uncertainty comes for free with the probabilistic model', debt: 'Notebook-only code' } },
          { decide: 'prototype' },
          { climbTo: 6 },
        ],
      },
      {
        // The anomaly model reads the pipeline's tiles (`dependsOn`): the pipeline's switchback flags it.
        componentId: 'slide-pipeline',
        card: cardFor('Whole-slide image pipeline', {}, [{ id: 'P2.1', statement: 'Tiles every slide within 5 minutes', verification: 'load test', validation: 'lab workflow trial', pFailure: 0.2, value: 5, status: 'validated', category: 'security' }]),
        steps: [
          { climbTo: 5 },
          { discovery: { to: 4, reason: 'A second scanner vendor writes tiles in another colour space: prove the pipeline on its slides too' } },
          { climbTo: 7 },
        ],
      },
      {
        // The manufacturing application of the same method: the paper's embedded 9→4 switchback,
        // taken at a Level 9 re-review for field feedback, then the climb back to deployment.
        componentId: 'defect-detector',
        card: cardFor(
          'Metal-surface defect detector',
          {
            intendedUse: 'Flag possible defects on metallic surfaces for a human inspector.',
            caveats: 'False-positive vs. false-negative calibration shifts from one plant to another.',
          },
          [
            { id: 'P3.1', statement: 'Catches 95% of defects an inspector would flag', category: 'performance', verification: 'labelled line images', validation: 'inspector trial', pFailure: 0.3, value: 8, status: 'validated', mitigation: 'synthetic rare defects' },
            { id: 'P3.2', statement: 'Line images stay in the plant', category: 'security', verification: 'edge deployment audit', validation: 'plant IT sign-off', pFailure: 0.1, value: 6, status: 'validated' },
          ],
        ),
        steps: [
          { climbTo: 9 },
          { reReviewSwitchback: { to: 4, reason: 'Field feedback: distribution shifts between plants change the false-positive vs. false-negative calibration; make calibration per plant a CI/CD feature' } },
          { versions: { model: '0.2.0' } },
          { climbTo: 9 },
        ],
      },
    ],
  },
  {
    file: 'recycling-vision.json',
    summary: 'Recycling vision, entering at Level 4 with off-the-shelf models, to deployment',
    components: [
      {
        componentId: 'trash-classifier',
        card: cardFor('Real-time trash classifier', { intendedUse: 'Classify trash in a mobile recycling app in real time.' }, [
          { id: 'P1.1', statement: 'Recognises 12 waste classes at 90% accuracy on device', verification: 'held-out real images', validation: 'field trial', pFailure: 0.3, value: 7, status: 'validated', mitigation: 'synthetic data for rare classes', category: 'performance' },
          { id: 'P1.2', statement: 'Camera frames stay on the phone', category: 'privacy', verification: 'traffic capture', validation: 'privacy review', pFailure: 0.1, value: 9, status: 'validated' },
        ]),
        steps: [{ climbTo: 9 }],
      },
      {
        componentId: 'synthetic-data',
        card: cardFor('Synthetic image generator', { dataConsiderations: 'Structured domain randomisation; class balance set per release.' }, [
          { id: 'P2.1', statement: 'Synthetic images close the sim-to-real gap within 3 points of accuracy', category: 'data', verification: 'train-on-synthetic, test-on-real', validation: 'shadow test', pFailure: 0.35, value: 8, status: 'validated', mitigation: 'mix 20% real images' },
          { id: 'P2.2', statement: 'No personal data in generated scenes', category: 'privacy', verification: 'asset audit', validation: 'privacy review', pFailure: 0.05, value: 6, status: 'validated' },
        ]),
        steps: [{ climbTo: 8 }],
      },
    ],
  },
  {
    file: 'etalumis.json',
    summary: 'Particle-physics simulator inference: the embedded 4→2 switchback, and a branch for the open-source path',
    components: [
      {
        componentId: 'inference-engine',
        card: cardFor('Amortized inference engine', { experiments: 'Inference compilation on SHERPA execution traces.' }, [
          { id: 'R1.1', statement: 'Posterior inference over SHERPA traces', verification: 'agreement with MCMC on small cases', validation: 'physicist review', pFailure: 0.4, value: 9, status: 'validated', mitigation: 'keep MCMC as reference' },
          { id: 'P1.1', statement: 'Runs at supercomputer scale', category: 'performance', verification: 'scaling benchmark', validation: 'CERN trial', pFailure: 0.3, value: 8, status: 'validated', mitigation: 'checkpointed distributed training' },
          { id: 'P1.2', statement: 'Simulator code stays untouched', category: 'security', verification: 'diff audit', validation: 'SHERPA maintainers', pFailure: 0.1, value: 5, status: 'validated' },
        ]),
        steps: [
          { requestChanges: { tasks: ['Compare against MCMC on every small case, not a sample', 'Report the effective sample size per trace'], done: 'All small cases compared; effective sample size per trace in the experiment log' } },
          { climbTo: 4 },
          { decide: 'switchback-2' },
          { debrief: { level: 4, done: 'Proof of concept on SHERPA', learned: 'Per-event inference is too slow: amortize it', punted: 'GPU cluster scheduling' } },
          { climbTo: 6 },
          { branch: { componentId: 'ppx-open-source', name: 'PPX open-source protocol', level: 6 } },
          { climbTo: 8 },
        ],
      },
      { componentId: 'execution-protocol', card: cardFor('PPX execution protocol', {}, [{ id: 'P2.1', statement: 'Reroutes every random draw of the simulator', verification: 'trace replay', validation: 'SHERPA maintainers', pFailure: 0.2, value: 6, status: 'validated', category: 'security' }]), steps: [{ climbTo: 8 }] },
    ],
  },
  {
    file: 'cams-meteor.json',
    summary: 'Meteor surveillance: a review switchback from 8 to 7 for active learning, then deployment',
    components: [
      {
        componentId: 'meteor-classifier',
        card: cardFor('Meteor vs. non-meteor classifier', { caveats: 'Fireflies and bugs at southern stations look like meteors.' }, [
          { id: 'R1.1', statement: 'Separates meteors from planes, satellites, clouds and animals', verification: 'labelled decade sample', validation: 'astronomer review', pFailure: 0.3, value: 8, status: 'validated', mitigation: 'human verification in the portal' },
          { id: 'P1.1', statement: 'Nightly results before dawn', category: 'performance', verification: 'pipeline timing', validation: 'portal users', pFailure: 0.2, value: 6, status: 'validated' },
          { id: 'P1.2', statement: 'Station locations of private hosts are not published', category: 'privacy', verification: 'portal audit', validation: 'host agreements', pFailure: 0.1, value: 7, status: 'validated' },
        ]),
        steps: [
          { climbTo: 8 },
          { reviewSwitchback: { to: 7, reason: 'Active learning is promising: develop it for the next deployment version' } },
          { versions: { model: '0.2.0' } },
          { climbTo: 9 },
        ],
      },
      { componentId: 'camera-ingest', card: cardFor('Nightly camera data ingest', {}, [{ id: 'P2.1', statement: 'Ingests every station every night', verification: 'completeness check', validation: 'station operators', pFailure: 0.2, value: 5, status: 'validated', category: 'security' }]), steps: [{ climbTo: 9 }] },
    ],
  },
  {
    file: 'causal-diagnosis.json',
    summary: 'Causal ML for medical diagnosis under the causal-inference profile: causal structure and identifiability to leave Level 0, then confounding, sensitivity and consistency checks on the way to deployment',
    components: [
      {
        componentId: 'counterfactual-diagnosis',
        card: cardFor(
          'Counterfactual diagnosis',
          {
            hypotheses: 'Ranking diseases by counterfactual queries ("would the symptoms not be present had this disease been cured?") diagnoses more accurately than ranking by posterior probability.',
            literature: 'Associative diagnosis with Bayesian networks; structural causal models and twin networks; noisy-OR disease models.',
            dataReadiness: 'Level B: observational records and clinical vignettes written by doctors; no randomised trial is possible.',
            causalStructure: {
              graph: 'Three-layer noisy-OR network: risk factors cause diseases, diseases cause symptoms; assumptions: no hidden common causes beyond the modelled risk factors, independent causal mechanisms per edge.',
              expertsConsulted: 'Doctors and healthcare professionals specified the relations from medical knowledge; independent groups of healthcare professionals evaluated them.',
              consensus: 'Edges kept where the independent reviewers agreed; disagreements recorded and re-reviewed with the domain experts.',
            },
            identifiability: 'Proof that the expected disablement and expected sufficiency of each disease are identified from the noisy-OR structure and observational data.',
            confoundingAdjustment: 'Risk factors adjusted for as the structure prescribes; covariate balance checked and documented per disease; alternative adjustment used where balance fell short.',
            sensitivityAnalysis: 'Rankings recomputed under violations of the no-hidden-confounder assumption and perturbed noise parameters; the top diagnoses stay stable.',
            consistency: 'Estimates shown to converge to the true counterfactual quantities as the sample grows; checked on simulated networks at increasing sizes.',
            realDataResults: 'Evaluated on clinical vignettes against the diagnoses of doctors: counterfactual ranking beats associative ranking.',
            intendedUse: 'Support a clinician with a ranked differential diagnosis.',
            unacceptableUses: 'Diagnosis without a clinician; populations the causal structure was not built for.',
            caveats: 'Confounding cannot be removed entirely from observational records; the causal structure needs periodic expert review.',
          },
          [
            { id: 'R1.1', statement: 'Counterfactual ranking places the true disease higher than associative ranking', verification: 'clinical vignettes', validation: 'comparison with doctors', pFailure: 0.3, value: 9, status: 'validated', mitigation: 'keep associative ranking as a fallback' },
            { id: 'P1.1', statement: 'Patient records stay on premises', category: 'privacy', verification: 'network audit', validation: 'hospital data-governance sign-off', pFailure: 0.1, value: 10, status: 'validated' },
          ],
        ),
        steps: [
          { climbTo: 1 },
          { debrief: { level: 0, done: 'Causal structure elicited from doctors and reviewed; identifiability proved', learned: 'The causal question needs counterfactuals, not posteriors' } },
          { climbTo: 9 },
        ],
      },
    ],
  },
];

/**
 * The sixth case, whose model lives in MLflow's Model Registry: the paper's metal-surface defect
 * detection product (the manufacturing application of the neuropathology copilot's method), as a
 * team runs it with a registry. Replayed only when MLflow is reachable (examples/replay.ts).
 */
export interface MlflowStory {
  file: string;
  summary: string;
  /** The component linked to the registered model (`integrations.mlflow` in the project file). */
  linked: ComponentStory & {
    /** The registered model's description in MLflow, and each version's: the first is the one that climbs. */
    registeredModel: string;
    firstVersion: string;
    /** Registered in MLflow once the component is at Level 9: the embedded switchback to 7. */
    newVersion: string;
    /** Gate deliverables that are checks read from MLflow: a metric the first version's training run logs, and a tag on that version. */
    evidence: {
      testSuites: { metric: string; atLeast: number; logged: number; note: string };
      deploymentTests: { tag: { key: string; value: string }; note: string };
    };
  };
  /** Climbs to 9 alongside; a monitoring alert then opens its out-of-cycle re-review. */
  monitored: ComponentStory & { alert: { alertname: string; severity: string; summary: string } };
}

export const MLFLOW_STORY: MlflowStory = {
  file: 'surface-inspection.json',
  summary: 'Metal-surface defect detection with its model in MLflow: deployed at Level 9 (alias set), a new model version sends it back to 7, a drift alert opens a re-review of the calibration',
  linked: {
    componentId: 'defect-detector',
    registeredModel: 'Detects defects in metallic surfaces from line-camera images (MLTRL: surface-inspection/defect-detector).',
    firstVersion: 'Still-image inspection, calibrated on the first deployment setting.',
    newVersion: 'Adds support for video-based inspection, from the research progress fed back through the Level 9 touch points.',
    card: cardFor(
      'Metal-surface defect detector',
      {
        hypotheses: 'A hyperbolic latent space organises surface images by their implicit hierarchy, so defects stand apart without labels.',
        literature: 'The neuropathology copilot\'s anomaly detection with hyperbolic manifolds, applied to detecting defects in metallic surfaces.',
        sampleData: 'Line-camera images of metallic surfaces from the first plant, versioned.',
        intendedUse: 'Flag surface defects on the production line for an inspector to confirm.',
        unacceptableUses: 'Rejecting parts without an inspector in the loop.',
        caveats: 'Data distribution shifts from one deployment setting to another change the false-positive versus false-negative balance.',
        dataLogging: 'Inputs, outputs and the MLflow model version logged per inspection.',
        monitoring: { dataQuality: 'image exposure and focus checks', dataDrift: 'embedding drift per plant', conceptDrift: 'monthly inspector audits of flagged parts' },
      },
      [
        { id: 'R1.1', statement: 'Defects separate from normal surfaces in the latent space', verification: 'held-out plant images', validation: 'inspector review', pFailure: 0.3, value: 8, status: 'validated', mitigation: 'fall back to the reference-image comparison' },
        { id: 'P1.1', statement: 'Scores each part within the line\'s cycle time', category: 'performance', verification: 'latency benchmark on the line computer', validation: 'line trial', pFailure: 0.2, value: 7, status: 'validated' },
        { id: 'P1.2', statement: 'Images of customers\' parts stay on the plant network', category: 'privacy', verification: 'network audit', validation: 'customer quality agreements', pFailure: 0.1, value: 8, status: 'validated' },
      ],
    ),
    // Its Level 7 and 8 gates are evidence read from MLflow (the replay fills in the run and version it
    // registers): the training run's recall on the held-out plant, and the version's validation tag.
    evidence: {
      testSuites: { metric: 'heldout_recall', atLeast: 0.9, logged: 0.94, note: 'Recall on the held-out plant\'s labelled line images, critical defect slices included' },
      deploymentTests: { tag: { key: 'validation_status', value: 'approved' }, note: 'Shadow deployment on line 2 signed off by the plant\'s quality engineers' },
    },
    steps: [{ climbTo: 9 }],
  },
  monitored: {
    componentId: 'plant-calibration',
    card: cardFor(
      'Per-plant false-positive / false-negative calibration',
      {
        hypotheses: 'Calibrating the detector\'s threshold per deployment setting keeps false positives and false negatives within each plant\'s budget.',
        caveats: 'A new plant, lighting or alloy shifts the score distribution and the calibration with it.',
        deploymentTests: 'Calibration checked per plant in the CI/CD pipeline before every release.',
        monitoring: { dataQuality: 'score histogram per plant', dataDrift: 'population stability of scores per plant', conceptDrift: 'inspector-confirmed false-positive rate per week' },
      },
      [{ id: 'R2.1', statement: 'False-positive rate within each plant\'s budget at the agreed recall', verification: 'per-plant hold-out', validation: 'plant quality managers', pFailure: 0.3, value: 8, status: 'validated', mitigation: 'recalibrate on the plant\'s latest confirmed labels' },
        { id: 'P2.1', statement: 'Only the line\'s quality engineers can change a plant\'s threshold', category: 'security', verification: 'access review', validation: 'plant IT sign-off', pFailure: 0.1, value: 6, status: 'validated' },
      ],
    ),
    steps: [{ climbTo: 9 }],
    alert: {
      alertname: 'CalibrationDrift',
      severity: 'critical',
      summary: 'False-positive rate at the second plant doubled after its lighting change: the data distribution shifted from one deployment setting to another',
    },
  },
};
