/**
 * Systems of subsystems (the MLTRL paper: an ML system is many interacting components, and it is
 * only as ready as its least ready one). A project may group its components into subsystems and
 * say which components each one depends on; this module holds the pure graph questions: which ids
 * are unknown, which dependencies form a cycle, who depends on a component (directly or through
 * others), and the level of each subsystem. Pure: safe in the workflow sandbox.
 */
import type { SwitchbackKind } from './context.js';
import type { PublicState } from './status.js';

export interface DependencyNode {
  id: string;
  dependsOn?: readonly string[];
}

export interface SubsystemDefinition {
  id: string;
  name: string;
  components: string[];
}

/** A problem in a project's graph, with the path of the field it is about (for zod issues). */
export interface GraphIssue {
  path: (string | number)[];
  message: string;
}

/**
 * The first cycle among the dependencies, as the ids along it with the first repeated at the end
 * (`["a", "b", "a"]`); undefined when there is none. Depth-first, in the order the components are
 * listed, so the same project always names the same cycle.
 */
export function findCycle(nodes: readonly DependencyNode[]): string[] | undefined {
  const edges = new Map(nodes.map((node) => [node.id, node.dependsOn ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      if (!edges.has(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** One component's `dependsOn`: known ids only, none twice, not itself. */
export function dependsOnIssues(node: DependencyNode, known: ReadonlySet<string>, path: (string | number)[]): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const seen = new Set<string>();
  (node.dependsOn ?? []).forEach((id, index) => {
    const at = [...path, 'dependsOn', index];
    if (id === node.id) issues.push({ path: at, message: `a component cannot depend on itself ("${id}")` });
    else if (!known.has(id)) issues.push({ path: at, message: `"${id}" is not a component of this project` });
    else if (seen.has(id)) issues.push({ path: at, message: `names "${id}" twice` });
    seen.add(id);
  });
  return issues;
}

/**
 * Every problem in a project's dependencies and subsystems: unknown or repeated ids, a component
 * depending on itself, a cycle (named), a component in more than one subsystem.
 */
export function graphIssues(components: readonly DependencyNode[], subsystems: readonly SubsystemDefinition[] = []): GraphIssue[] {
  const known = new Set(components.map((c) => c.id));
  const issues = components.flatMap((component, index) => dependsOnIssues(component, known, ['components', index]));
  const cycle = issues.length === 0 ? findCycle(components) : undefined;
  if (cycle) {
    const index = components.findIndex((c) => c.id === cycle[0]);
    issues.push({ path: ['components', index, 'dependsOn'], message: `dependencies form a cycle: ${cycle.join(' → ')}` });
  }
  const subsystemIds = new Set<string>();
  const memberOf = new Map<string, string>();
  subsystems.forEach((subsystem, index) => {
    if (subsystemIds.has(subsystem.id)) issues.push({ path: ['subsystems', index, 'id'], message: `duplicates subsystem id "${subsystem.id}"` });
    subsystemIds.add(subsystem.id);
    subsystem.components.forEach((id, at) => {
      const path = ['subsystems', index, 'components', at];
      if (!known.has(id)) issues.push({ path, message: `"${id}" is not a component of this project` });
      else if (memberOf.has(id)) {
        const other = memberOf.get(id);
        issues.push({ path, message: other === subsystem.id ? `names "${id}" twice` : `"${id}" is already in subsystem "${other}"; a component is in at most one subsystem` });
      } else memberOf.set(id, subsystem.id);
    });
  });
  return issues;
}

/** A field path as people write it: `dependsOn[1]`. */
export const fieldPath = (path: readonly (string | number)[]) => path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${part}`)).join('');

/** A component that depends on a given one, directly (`via` empty) or through the components in `via`. */
export interface Dependent {
  componentId: string;
  /** The components between this one and the dependency, nearest to this one first. */
  via: string[];
}

/**
 * Every component that depends on `id`, directly or transitively, each once by its shortest path,
 * nearest first (breadth-first; ties in the order the graph lists them).
 */
export function dependentsOf(nodes: readonly DependencyNode[], id: string): Dependent[] {
  const found = new Map<string, Dependent>();
  let frontier: Dependent[] = [{ componentId: id, via: [] }];
  while (frontier.length > 0) {
    const next: Dependent[] = [];
    for (const reached of frontier) {
      for (const node of nodes) {
        if (node.id === id || found.has(node.id) || !(node.dependsOn ?? []).includes(reached.componentId)) continue;
        const dependent = { componentId: node.id, via: reached.componentId === id ? [] : [reached.componentId, ...reached.via] };
        found.set(node.id, dependent);
        next.push(dependent);
      }
    }
    frontier = next;
  }
  return [...found.values()];
}

export interface SubsystemStatus {
  id: string;
  name: string;
  components: string[];
  /** The lowest level over the subsystem's components that are not retired; null while there are none. */
  level: number | null;
}

/** Each subsystem's level: the minimum over its live components (as the system's is over all). */
export function subsystemStatuses(
  subsystems: readonly SubsystemDefinition[],
  components: readonly { componentId: string; level: number; state: PublicState }[],
): SubsystemStatus[] {
  const byId = new Map(components.map((c) => [c.componentId, c]));
  return subsystems.map((subsystem) => {
    const live = subsystem.components.map((id) => byId.get(id)).filter((c) => c !== undefined && c.state !== 'retired').map((c) => c!.level);
    return { id: subsystem.id, name: subsystem.name, components: subsystem.components, level: live.length ? Math.min(...live) : null };
  });
}

/** The subsystem a component belongs to, if any. */
export function subsystemOf(subsystems: readonly SubsystemDefinition[] | undefined, componentId: string): SubsystemDefinition | undefined {
  return subsystems?.find((subsystem) => subsystem.components.includes(componentId));
}

interface Reported {
  level: number;
  figures?: { switchbacks: { from: number; to: number; kind: SwitchbackKind; count: number }[]; leftOut: { switchbacks: number } };
}

const totalSwitchbacks = (figures: NonNullable<Reported['figures']>) => figures.switchbacks.reduce((sum, path) => sum + path.count, figures.leftOut.switchbacks);

/**
 * The switchback a component's report shows since the one before, if it shows one: a switchback
 * path counted more often than before (its from, to and kind), or else a lower level (a level only
 * goes down by a switchback; then the kind is the path's, if the figures still count it).
 */
export function reportedSwitchback(before: Reported, after: Reported): { from: number; to: number; kind?: SwitchbackKind } | undefined {
  if (before.figures && after.figures) {
    const counted = new Map(before.figures.switchbacks.map((p) => [`${p.from}>${p.to}:${p.kind}`, p.count]));
    const more = after.figures.switchbacks.filter((p) => p.count > (counted.get(`${p.from}>${p.to}:${p.kind}`) ?? 0));
    const path = more.find((p) => p.to === after.level) ?? more[0];
    if (path && totalSwitchbacks(after.figures) > totalSwitchbacks(before.figures)) return { from: path.from, to: path.to, kind: path.kind };
  }
  if (after.level >= before.level) return undefined;
  const kind = after.figures?.switchbacks.find((p) => p.from === before.level && p.to === after.level)?.kind;
  return { from: before.level, to: after.level, ...(kind ? { kind } : {}) };
}

/** Why `dependent` is flagged, in words: "c depends on b, which depends on a". */
export function dependencyPath(dependent: Dependent, dependency: string): string {
  const [first, ...rest] = [dependent.componentId, ...dependent.via, dependency];
  return `${first} depends on ${rest.join(', which depends on ')}`;
}
