#!/usr/bin/env node
// The `mltrl` command: runs the TypeScript sources through tsx, so there is no build step.
// `npx mltrl` and `npm exec mltrl` put node_modules/.bin first on PATH, so `env node` above finds
// the project's pinned Node.js (package.json's `node` package), not the machine's.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main();
