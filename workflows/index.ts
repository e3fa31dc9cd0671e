/** Every workflow the worker runs; the worker's `workflowsPath` points here. */
export { componentWorkflow } from './component.js';
export { projectWorkflow } from './project.js';
export { level9ReReviewWorkflow } from './level9ReReview.js';
