/**
 * The worker's memory settings: a heap too small for its cache, or not capped at all, is named at
 * start; the defaults fit each other.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CACHED_WORKFLOWS, heapWarning, WORKER_HEAP_MIB } from '../../src/runtime/worker.js';

const MiB = 1_048_576;

describe('worker heap and cache', () => {
  it('the production defaults fit: no warning', () => {
    expect(heapWarning(DEFAULT_MAX_CACHED_WORKFLOWS, WORKER_HEAP_MIB * MiB)).toBeUndefined();
  });

  it('names both settings when the heap cannot hold the cache', () => {
    expect(heapWarning(400, WORKER_HEAP_MIB * MiB)).toBe(
      'a heap of 640 MiB cannot hold 400 cached components (about 1450 MiB): lower MLTRL_MAX_CACHED_WORKFLOWS or raise --max-old-space-size',
    );
  });

  it('says so when the heap is left at V8 default of gigabytes', () => {
    expect(heapWarning(100, 4_288 * MiB)).toMatch(/^the heap is not capped \(4288 MiB\): .* --max-old-space-size=640$/);
  });
});
