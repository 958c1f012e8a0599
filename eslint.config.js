// Lint: each folder imports only the layers below it (scripts/lint/layers.js), and workflow
// code stays deterministic: workflow files import only contracts/ and no Node built-ins or
// side-effecting modules, the rule Temporal's own samples use.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { layersRule } from './scripts/lint/layers.js';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'data/**', 'groups/**', 'container/agent-runner/dist/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { babybot: { rules: { layers: layersRule } } },
    rules: { 'babybot/layers': 'error' },
  },
  {
    files: ['workflows/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins. Do this in an activity.' })),
          patterns: [
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'better-sqlite3', 'dockerode', 'ollama', 'pino', '@whiskeysockets/*'],
              allowTypeImports: true,
              message: 'Workflow code must not import side-effecting modules.',
            },
          ],
        },
      ],
    },
  },
);
