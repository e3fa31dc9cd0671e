import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/globalSetup.ts. */
    temporalAddress?: string;
  }
}

/** Address (`host:port`) of the Temporal server this test run uses, from test/globalSetup.ts. */
export function temporalAddress(): string {
  const address = inject('temporalAddress') ?? process.env['TEMPORAL_ADDRESS'];
  if (address === undefined || address === '') {
    throw new Error(
      'No Temporal server for tests: run them through vitest (test/globalSetup.ts starts one) or set TEMPORAL_ADDRESS.',
    );
  }
  return address;
}
