/**
 * The accounts of the local sign-in provider: the people of the running projects (owners, component
 * owners, the reviewers their components ask for), and of the example project files, so a fresh
 * `npm start` can sign in as the example's people before any project runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { Person } from '../../machines/model.js';
import { readPeople } from '../portfolio/people.js';
import type { LocalAccount } from './oidcProvider.js';

/** Only the people of a project file; a file that is not one is skipped. */
const PeopleOfFile = z.object({
  id: z.string(),
  owners: z.array(Person),
  roster: z.record(z.string(), z.array(Person)),
  components: z.array(z.object({ id: z.string(), owner: Person })),
});

export function peopleOfExamples(dir: string): LocalAccount[] {
  const accounts = new Map<string, LocalAccount>();
  const add = (person: Person, note: string) => {
    const known = accounts.get(person.email);
    accounts.set(person.email, { email: person.email, name: known?.name ?? person.name, note: known?.note ? `${known.note}; ${note}` : note });
  };
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
    const parsed = PeopleOfFile.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    if (!parsed.success) continue;
    const project = parsed.data;
    for (const owner of project.owners) add(owner, `owner of ${project.id} (example)`);
    for (const component of project.components) add(component.owner, `owner of ${project.id}/${component.id} (example)`);
    for (const [role, people] of Object.entries(project.roster)) for (const person of people) add(person, `${role} on ${project.id} (example)`);
  }
  return [...accounts.values()];
}

/** Running projects first (their roles are current), then the examples' people not already listed. */
export async function localAccounts(client: Client, taskQueue: string, examplesDir: string): Promise<LocalAccount[]> {
  const running = await readPeople(client, taskQueue).catch(() => ({ people: [] }));
  const accounts = new Map<string, LocalAccount>(
    running.people.map((p) => [p.email, { email: p.email, name: p.name, note: p.roles.map((r) => `${r.role} on ${r.projectId}${r.componentId ? `/${r.componentId}` : ''}`).join('; ') }]),
  );
  for (const example of peopleOfExamples(examplesDir)) if (!accounts.has(example.email)) accounts.set(example.email, example);
  return [...accounts.values()];
}
