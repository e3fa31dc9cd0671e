/**
 * Whether a component may claim to come from another one. A component adopted from, or branched
 * off, another enters at the level the source has reached, above the levels a new component may
 * enter at; so the claim is checked against the source's own workflow: it must exist and have
 * reached at least that level. Used by the project workflow (as an activity) and by every entry
 * that starts a project (CLI, HTTP API), so a refusal reaches the person who sent the file.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Provenance } from '../machines/model.js';
import { cardQuery, componentWorkflowId } from '../workflows/definitions.js';

/** Why `provenance` cannot be accepted, naming `field`; undefined when the source bears it out. */
export async function provenanceRefusal(client: Client, provenance: Provenance, field: string): Promise<string | undefined> {
  const source = `${provenance.projectId}/${provenance.componentId}`;
  let highest: number;
  try {
    const card = await client.workflow.getHandle(componentWorkflowId(provenance.projectId, provenance.componentId)).query(cardQuery);
    highest = Math.max(card.summary.level, ...card.timeline.map((entry) => entry.to));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return `${field}: component ${source} does not exist, so nothing can be ${provenance.kind} from it`;
    throw error;
  }
  if (highest < provenance.level) {
    return `${field}: component ${source} has reached Level ${highest}, not Level ${provenance.level}; a component ${provenance.kind} from it enters at most at the level it reached`;
  }
  return undefined;
}

export function createProvenanceActivities(deps: { client: Client }) {
  return {
    provenanceRefusal: (provenance: Provenance, field: string) => provenanceRefusal(deps.client, provenance, field),
  };
}
