/** One metrics read shared by a server's requests: together they wait for one read; a partial or failed read is not reused. */
import { describe, expect, it } from 'vitest';
import { computeMetrics, type PortfolioMetrics } from '../../src/portfolio/metrics.js';
import { sharedMetricsReader } from '../../src/portfolio/sharedMetrics.js';

function counting(answers: (() => PortfolioMetrics)[]) {
  let calls = 0;
  const read = async () => {
    const answer = answers[Math.min(calls, answers.length - 1)];
    calls += 1;
    await Promise.resolve();
    return answer();
  };
  return { read, calls: () => calls };
}

const whole = () => computeMetrics([], [{ projectId: 'p', name: 'P', systemLevel: 1 }]);
const partial = () => computeMetrics([], [], [{ id: 'q', why: 'Temporal is unavailable' }]);

describe('sharedMetricsReader', () => {
  it('answers requests that arrive together, and those soon after, from one read, saying when it was read', async () => {
    const source = counting([whole]);
    const shared = sharedMetricsReader(source.read, 60_000);
    const answers = await Promise.all([shared(), shared(), shared()]);
    const later = await shared();
    expect(source.calls()).toBe(1);
    expect(new Set([...answers, later].map((a) => a.readAt)).size).toBe(1);
    expect(later).toMatchObject({ projects: 1, unreadable: [] });
    expect(Date.parse(later.readAt)).not.toBeNaN();
  });

  it('shows a partial read once and reads again for the next request', async () => {
    const source = counting([partial, whole]);
    const shared = sharedMetricsReader(source.read, 60_000);
    expect((await shared()).unreadable).toEqual([{ id: 'q', why: 'Temporal is unavailable' }]);
    expect((await shared()).unreadable).toEqual([]);
    expect(source.calls()).toBe(2);
  });

  it('keeps no failed read', async () => {
    let calls = 0;
    const shared = sharedMetricsReader(async () => {
      calls += 1;
      if (calls === 1) throw new Error('Temporal is unavailable');
      return whole();
    }, 60_000);
    await expect(shared()).rejects.toThrow('Temporal is unavailable');
    expect((await shared()).projects).toBe(1);
    expect(calls).toBe(2);
  });
});
