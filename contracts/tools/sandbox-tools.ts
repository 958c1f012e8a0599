// Tools that act inside the group's container: commands and files. Paths are as the
// container sees them: /workspace/group (the group's own folder, writable; relative paths
// start there), /workspace/global, /workspace/skills, and for the main group /workspace/project.
import { z } from 'zod';
import { defineTool } from './spec.js';

const workspacePath = z.string().min(1).max(4096);

export const runCommand = defineTool({
  name: 'run_command',
  description: 'Run a bash command in your sandbox (in /workspace/group, no network).',
  schema: z.object({
    command: z.string().min(1).max(100_000),
    // 0 means "no limit of my own": the 0.5B writes it (2026-12-07) and lost the command to a schema error.
    timeoutSeconds: z.preprocess((seconds) => (seconds === 0 ? undefined : seconds), z.number().int().min(1).max(86_400).optional()),
  }),
});

export const readFile = defineTool({
  name: 'read_file',
  description: 'Read a text file in your sandbox.',
  schema: z.object({ path: workspacePath }),
});

export const writeFile = defineTool({
  name: 'write_file',
  description: 'Create or replace a text file in your sandbox.',
  schema: z.object({
    path: workspacePath,
    content: z.string().max(1_000_000),
  }),
});

export const listFiles = defineTool({
  name: 'list_files',
  description: 'List a folder in your sandbox.',
  schema: z.object({ path: workspacePath.optional() }),
});

export const SANDBOX_TOOLS = [runCommand, readFile, writeFile, listFiles];
