/**
 * The people of the running projects and what each is there: project owner, component owner, and
 * the reviewer roles each live component asks for at its level (read from its card, since the
 * project's summary names owners only). Serves `/me` and the accounts of the local sign-in provider
 * (../local/oidcProvider.ts). Each live component is asked once per read, a few at a time.
 */
import type { Client } from '@temporalio/client';
import { cardQuery } from '../../workflows/definitions.js';
import { componentHandle } from '../runtime/client.js';
import type { Unreadable } from './metrics.js';
import { askWithRetries, listProjectIds, mapBounded, readProjectSummaries } from './read.js';

export interface Role {
  projectId: string;
  projectName: string;
  /** `owner` (of the project), `component owner`, or a roster role (`research-lead`, …). */
  role: string;
  componentId?: string;
}

export interface KnownPerson {
  email: string;
  name: string;
  roles: Role[];
}

export interface People {
  /** By email, sorted. */
  people: KnownPerson[];
  unreadable: Unreadable[];
}

export async function readPeople(client: Client, taskQueue: string): Promise<People> {
  const { projects, unreadable } = await readProjectSummaries(client, await listProjectIds(client, taskQueue));
  const byEmail = new Map<string, KnownPerson>();
  const add = (email: string, name: string | undefined, role: Role) => {
    const known = byEmail.get(email) ?? { email, name: name ?? email, roles: [] };
    if (name && known.name === email) known.name = name;
    if (!known.roles.some((r) => r.projectId === role.projectId && r.role === role.role && r.componentId === role.componentId)) known.roles.push(role);
    byEmail.set(email, known);
  };
  for (const project of projects) {
    for (const owner of project.owners) add(owner.email, owner.name, { projectId: project.projectId, projectName: project.name, role: 'owner' });
    for (const component of project.components) {
      if (component.owner) add(component.owner, undefined, { projectId: project.projectId, projectName: project.name, role: 'component owner', componentId: component.componentId });
    }
  }
  const live = projects.flatMap((project) => project.components.filter((c) => c.state !== 'retired').map((c) => ({ project, componentId: c.componentId })));
  const cards = await mapBounded(live, async ({ project, componentId }) => ({ project, componentId, answer: await askWithRetries(client, () => componentHandle(client, project.projectId, componentId).query(cardQuery)) }));
  for (const { project, componentId, answer } of cards) {
    if (!answer.ok) {
      unreadable.push({ id: `${project.projectId}/${componentId}`, why: answer.why });
      continue;
    }
    // Names of owners are on the card; the summary had their addresses only.
    for (const owner of answer.value.summary.owners) {
      const known = byEmail.get(owner.email);
      if (known && known.name === known.email) known.name = owner.name;
    }
    for (const [role, people] of Object.entries(answer.value.summary.reviewers)) {
      for (const person of people) add(person.email, person.name, { projectId: project.projectId, projectName: project.name, role, componentId });
    }
  }
  return { people: [...byEmail.values()].sort((a, b) => a.email.localeCompare(b.email)), unreadable };
}
