/**
 * Who may change a project itself (add a component, replace its roster): one of its owners. The
 * roster's update carries `by` and the project workflow refuses anyone else; adding a component
 * carries no `by` (the CLI is operator access), so the API route and the web form ask here first,
 * with the same words.
 */
import type { ProjectStatus } from '../../../workflows/definitions.js';

export function isProjectOwner(project: Pick<ProjectStatus, 'owners'>, email: string): boolean {
  return project.owners.some((owner) => owner.email === email);
}

/** Why `email` may not add a component to `project`; undefined when they may. */
export function addComponentRefusal(project: Pick<ProjectStatus, 'owners' | 'projectId'>, email: string): string | undefined {
  return isProjectOwner(project, email) ? undefined : `only a project owner may add a component; ${email} is not an owner of ${project.projectId}`;
}
