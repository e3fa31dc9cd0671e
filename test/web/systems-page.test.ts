/**
 * A project's page for a system of subsystems, over real HTTP: each subsystem's level, and what
 * holds the system below a level (`?below=N`), with what each component's gate still misses; a
 * bad level is refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { startProject } from '../../src/runtime/client.js';
import { OWNER, project } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { useReviewStack } from '../support/reviewStack.js';

const stack = useReviewStack();

async function page(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${stack().http.url}${path}`);
  return { status: response.status, text: await response.text() };
}

describe('the project page of a system of subsystems', () => {
  it('shows each subsystem\'s level and what holds the system below the level asked', async () => {
    const definition = project({
      components: [
        { id: 'feature-store', name: 'Feature store', kind: 'data-pipeline', entryLevel: 2, owner: OWNER },
        { id: 'ranker', name: 'Ranker', kind: 'model', entryLevel: 4, owner: OWNER, dependsOn: ['feature-store'] },
      ],
      subsystems: [
        { id: 'data', name: 'Data platform', components: ['feature-store'] },
        { id: 'serving', name: 'Serving', components: ['ranker'] },
      ],
    });
    await startProject(stack().harness.client, stack().harness.taskQueue, definition);
    const held = await eventually(async () => {
      const answer = await page(`/projects/${definition.id}?below=4`);
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('Feature store');
      expect(answer.text).toContain('missing deliverables:');
      return answer.text;
    });
    expect(held).toContain('<h2 id="subsystems">Subsystems</h2>');
    expect(held).toMatch(/Data platform <span class="muted">data<\/span><\/th><td><span class="badge[^>]*>Level 2 /);
    expect(held).toMatch(/Serving <span class="muted">serving<\/span><\/th><td><span class="badge[^>]*>Level 4 /);
    // Below 4: only the feature store (the ranker is at 4); its gate's gaps are listed.
    const holding = held.slice(held.indexOf('id="holding"'));
    expect(holding).toContain('feature-store');
    expect(holding).not.toContain('>Ranker<');

    const nothing = await page(`/projects/${definition.id}?below=2`);
    expect(nothing.text).toContain('Nothing: every live component is at Level 2 or above.');
    const bad = await page(`/projects/${definition.id}?below=11`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('below');
  });
});
