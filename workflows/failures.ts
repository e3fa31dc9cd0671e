/**
 * How workflows refuse input: an ApplicationFailure with a FailureType clients branch on. Inside a
 * handler only a TemporalFailure fails an update cleanly; any other error would fail the workflow
 * task and retry forever.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { InputError, parseInput } from '../machines/validation.js';
import { FailureType } from './definitions.js';

export function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** parseInput for validators: bad input becomes an InvalidInput failure naming the field and rule. */
export function parseOrRefuse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  try {
    return parseInput(schema, input, what);
  } catch (error) {
    if (error instanceof InputError) refuse(FailureType.InvalidInput, error.message);
    throw error;
  }
}
