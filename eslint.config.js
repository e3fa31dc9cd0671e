// @ts-check
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Workflows run in Temporal's deterministic sandbox and machines must stay pure, so neither may
// touch Node's built-ins (the workflow bundler would reject most of them anyway, but only at
// bundle time, and only for the code a given worker happens to load). Type-only imports of the
// Temporal packages are erased before bundling, so they stay allowed where harmless.
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));
const sandboxMessage = 'Node built-ins are not available in the workflow sandbox; do I/O in activities/ or src/.';

/** @param {{ name: string, message: string, allowTypeImports?: boolean }[]} extraPaths */
const restrictedImports = (extraPaths) => [
  'error',
  {
    paths: [...nodeBuiltins.map((name) => ({ name, message: sandboxMessage })), ...extraPaths],
    patterns: [{ group: ['node:*'], message: sandboxMessage }],
  },
];

export default defineConfig(
  { ignores: ['node_modules/', 'tools/', 'data/', 'dist/', 'coverage/'] },
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests hand async callbacks to polling helpers (`eventually`) even when the check itself is sync.
    files: ['test/**'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['workflows/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictedImports([
        { name: '@temporalio/client', message: 'Workflows cannot use the client; signal or start children through @temporalio/workflow.', allowTypeImports: true },
        { name: '@temporalio/worker', message: 'The worker lives in src/.', allowTypeImports: true },
        { name: '@temporalio/activity', message: 'Activities live in activities/; workflows only `import type` them.' },
        { name: '@temporalio/testing', message: 'Test helpers belong in test/.' },
      ]),
    },
  },
  {
    files: ['machines/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrictedImports([
        { name: '@temporalio/workflow', message: 'Machines are pure XState: no Temporal. The workflow hosts them.' },
        { name: '@temporalio/client', message: 'Machines are pure XState: no Temporal.' },
        { name: '@temporalio/worker', message: 'Machines are pure XState: no Temporal.' },
        { name: '@temporalio/activity', message: 'Machines are pure XState: no Temporal.' },
      ]),
    },
  },
);
