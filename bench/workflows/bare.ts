/**
 * The baseline the benchmark holds mltrl against: a bare Temporal workflow that accepts the same
 * updates with the same payloads (`updateCard`, `submit`, `decide`) and validates them with the same
 * zod schemas, but has no machine, no card and no activities. It only keeps each payload in a list.
 *
 * Bundled for its own worker on its own task queue (bench/worker.ts); the product's worker never
 * loads it, so it is not exported from workflows/index.ts.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, condition, defineUpdate, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import { Decision, Submit, UpdateCard } from '../../workflows/definitions.js';

export interface BareInput {
  /** The workflow returns once it has taken this many updates. */
  updates: number;
}

export const bareUpdateCard = defineUpdate<number, [z.input<typeof UpdateCard>]>('updateCard');
export const bareSubmit = defineUpdate<number, [z.input<typeof Submit>]>('submit');
export const bareDecide = defineUpdate<number, [Decision]>('decide');

export async function bareWorkflow(input: BareInput): Promise<number> {
  const received: { name: string; payload: unknown }[] = [];

  // Same validation cost as mltrl's validators (a synchronous zod parse of the same schema), and
  // the handler parses again as mltrl's handlers do; then the payload is only recorded.
  function take<S extends z.ZodType>(definition: UpdateDefinition<number, [z.input<S>]>, schema: S): void {
    setHandler(
      definition,
      (raw) => {
        received.push({ name: definition.name, payload: schema.parse(raw) });
        return received.length;
      },
      { validator: (raw) => void schema.parse(raw) },
    );
  }
  take(bareUpdateCard, UpdateCard);
  take(bareSubmit, Submit);
  take(bareDecide, Decision);

  await condition(() => received.length >= input.updates && allHandlersFinished());
  return received.length;
}
