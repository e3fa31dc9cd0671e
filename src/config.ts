/**
 * Configuration from the environment, validated once at start-up: every bad variable is reported
 * at once, each naming the variable and the rule.
 */
import { z } from 'zod';
import { describeIssues } from '../machines/validation.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/definitions.js';

const HostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233');

export const Config = z.object({
  TEMPORAL_ADDRESS: HostPort.default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1, 'must not be empty').max(255).default('default'),
  MLTRL_TASK_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be letters, digits, dot, dash or underscore')
    .default(DEFAULT_TASK_QUEUE),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as shells and compose files write them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = Config.safeParse(present);
  if (!result.success) throw new ConfigError(`configuration: ${describeIssues(result.error)}`);
  return result.data;
}
