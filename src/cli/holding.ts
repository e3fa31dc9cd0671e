/** `mltrl status <project> --below N` as text: the components holding the system below Level N, and what each one's gate misses. */
import { levelDefinition } from '../../machines/levels.js';
import type { SubsystemStatus } from '../../machines/dependencies.js';
import { gapLines, type Holding } from '../portfolio/holding.js';
import { notRead } from '../portfolio/report.js';
import { textTable } from '../render/tables.js';

const levelText = (level: number | null) => (level === null ? 'none (no live components)' : `Level ${level} ${levelDefinition(level).name}`);

export function holdingText(holding: Holding): string {
  const lines = [`${holding.projectId} — ${holding.name}`, `system level: ${levelText(holding.systemLevel)}`, ''];
  if (holding.unreadable.length > 0) lines.push(notRead(holding.unreadable), '');
  if (holding.components.length === 0) {
    lines.push(`nothing holds the system below Level ${holding.below}: every live component is at Level ${holding.below} or above`);
    return lines.join('\n');
  }
  lines.push(`below Level ${holding.below}: ${holding.components.length} component${holding.components.length === 1 ? '' : 's'}`);
  for (const c of holding.components) {
    lines.push('', `${c.componentId} — Level ${c.level} ${c.levelName}, ${c.state}${c.subsystem ? ` (subsystem ${c.subsystem})` : ''}`);
    if (c.gate) lines.push(`  gate for Level ${c.gate.level}:`);
    lines.push(...gapLines(c).map((line) => `    ${line}`));
  }
  return lines.join('\n');
}

/** The subsystems of a project's status, one row each (nothing for a project without subsystems). */
export function subsystemLines(subsystems: readonly SubsystemStatus[] | undefined): string[] {
  if (!subsystems?.length) return [];
  return ['', textTable(['SUBSYSTEM', 'LEVEL', 'NAME', 'COMPONENTS'], subsystems.map((s) => [s.id, s.level ?? '-', s.name, s.components.join(', ')]))];
}
