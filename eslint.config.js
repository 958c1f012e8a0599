// Lint: workflow code must stay deterministic, so workflow files may not import Node's
// built-ins, side-effecting modules or activity implementations (types only), the rule
// Temporal's own samples use.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

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
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins. Do this in an activity.' })),
          patterns: [
            {
              group: ['../activities/*', '../activities/**', '../channel/**', '../container/**', '../lib/**', '../temporal/**', '../workers/**', '../cli/**'],
              allowTypeImports: true,
              message: 'Workflow code may import only types from outside workflows/; call side effects through proxyActivities.',
            },
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
