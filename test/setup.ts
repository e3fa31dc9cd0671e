/**
 * Runs in every test process before its test file. Workers and replayers created in the process
 * require() the payload converter (workflows/payloadConverter.ts), a TypeScript module: `npm run
 * worker` runs under tsx, which hooks require, and vitest's own module runner does not, so hook it here.
 */
import { register } from 'tsx/cjs/api';

register();
