// Tools that act inside the group's container: commands and files. Paths are as the
// container sees them: /workspace/group (the group's own folder, writable; relative paths
// start there), /workspace/global, /workspace/skills, and for the main group /workspace/project.
import { z } from 'zod';
import { defineTool } from './spec.js';

const workspacePath = z.string().min(1).max(4096);

export const runCommand = defineTool({
  name: 'run_command',
  description:
    'Run a shell command (bash) in your sandbox, in /workspace/group. There is no network. ' +
    'Returns the exit code, stdout and stderr (long output is cut, and says so).',
  schema: z.object({
    command: z.string().min(1).max(100_000).describe('The bash command line.'),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional().describe('Stop it after this many seconds (default and maximum: the step limit).'),
  }),
});

export const readFile = defineTool({
  name: 'read_file',
  description: 'Read a text file in your sandbox (relative paths start in /workspace/group).',
  schema: z.object({ path: workspacePath.describe('The file, e.g. notes.md or /workspace/global/MEMORY.md.') }),
});

export const writeFile = defineTool({
  name: 'write_file',
  description: 'Write (create or replace) a text file in /workspace/group (the main chat may also write /workspace/global).',
  schema: z.object({
    path: workspacePath.describe('The file, e.g. notes.md.'),
    content: z.string().max(1_000_000).describe('The whole new content.'),
  }),
});

export const listFiles = defineTool({
  name: 'list_files',
  description: 'List a folder in your sandbox (default /workspace/group).',
  schema: z.object({ path: workspacePath.optional().describe('The folder (default /workspace/group).') }),
});

export const SANDBOX_TOOLS = [runCommand, readFile, writeFile, listFiles];
