/**
 * Second half of `npm run build`: bundles the workflow code once into dist/workflow-bundle.js, the
 * file compiled workers load (src/runtime/workflowBundle.ts), so no production worker bundles at start.
 */
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../src/local/temporalServer.js';
import { BUNDLE_FILE_NAME, writeWorkflowBundle } from '../src/runtime/workflowBundle.js';

const target = join(PROJECT_ROOT, 'dist', BUNDLE_FILE_NAME);
const started = performance.now();
await writeWorkflowBundle(target);
console.log(`mltrl build: workflow bundle ${relative(PROJECT_ROOT, target)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
