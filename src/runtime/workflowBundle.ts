/**
 * The workflow code as a worker's sandbox loads it: one webpack bundle of workflows/index.ts.
 *
 * - From the TypeScript sources (`npm run worker`, `npm start`, tests): the worker bundles at start,
 *   a few seconds of CPU per process.
 * - From the compiled build (`npm run build`, then `npm run worker:prod`): `npm run build` bundled once
 *   into dist/workflow-bundle.js and every worker loads that file.
 *
 * `npm run build`, the test harness and the replay suite all bundle through `bundleWorkflows`, so the
 * histories replayed in tests run against the code production workers run.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions, type WorkerOptions } from '@temporalio/worker';

/** The workflows' entry point in the sources (the bundler compiles the TypeScript itself). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/**
 * Where the build puts the bundle: dist/workflow-bundle.js, beside dist/src/ (this module's compiled
 * copy is dist/src/runtime/workflowBundle.js). Only meaningful when running compiled.
 */
export const BUNDLE_FILE_NAME = 'workflow-bundle.js';
export const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL(`../../${BUNDLE_FILE_NAME}`, import.meta.url));

/** Running the build's JavaScript (the .js files under dist/src/) rather than the TypeScript sources through tsx. */
export const RUNNING_COMPILED = import.meta.url.endsWith('.js');

/**
 * Decodes what the default converter decodes and turns any other payload into a value handlers
 * refuse, so no message can fail a workflow task. Every worker, bundle and replayer uses it: the
 * bundle carries it for the workflows, and the worker loads it for activities and queries.
 */
export const PAYLOAD_CONVERTER_PATH = fileURLToPath(new URL(`../../workflows/payloadConverter.${RUNNING_COMPILED ? 'js' : 'ts'}`, import.meta.url));
/** The `dataConverter` of every mltrl worker and replayer. */
export const DATA_CONVERTER = { payloadConverterPath: PAYLOAD_CONVERTER_PATH } satisfies WorkerOptions['dataConverter'];

const silent: NonNullable<BundleOptions['logger']> = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** The one way the workflow code is bundled: for the build, for tests and for replay. */
export function bundleWorkflows(options: { logger?: BundleOptions['logger'] } = {}): ReturnType<typeof bundleWorkflowCode> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, payloadConverterPath: PAYLOAD_CONVERTER_PATH, logger: options.logger ?? silent });
}

/** Bundles the workflow code into `path` (a file a worker loads with `workflowBundle: { codePath }`). */
export async function writeWorkflowBundle(path: string, options: { logger?: BundleOptions['logger'] } = {}): Promise<void> {
  const { code } = await bundleWorkflows(options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, code);
}

/**
 * What `Worker.create` gets for the workflow code when the caller passes no bundle: the prebuilt
 * bundle when running compiled (and it must be there: a compiled worker never bundles at start),
 * the sources to bundle otherwise.
 */
export function defaultWorkflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (!RUNNING_COMPILED) return { workflowsPath: WORKFLOWS_PATH };
  if (!existsSync(PREBUILT_BUNDLE_PATH)) {
    throw new Error(`workflow bundle: ${PREBUILT_BUNDLE_PATH} is missing: \`npm run build\` writes it beside the compiled code`);
  }
  return { workflowBundle: { codePath: PREBUILT_BUNDLE_PATH } };
}

/** For the worker's start-up line: where its workflow code comes from. */
export function describeWorkflowSource(): string {
  return RUNNING_COMPILED ? `workflows from the prebuilt bundle ${PREBUILT_BUNDLE_PATH}` : 'workflows bundled from the sources at start';
}
