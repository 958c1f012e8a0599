import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { remember } from '../../workflows/tools/host-tools.js';
import type { HostToolHandler } from './types.js';

/** Appends to the group's MEMORY.md; the same note twice (a retried step) is kept once. */
export const rememberHandler: HostToolHandler = async (deps, invocation) => {
  const { note } = invocation.args as z.infer<typeof remember.schema>;
  const file = path.join(deps.groupsDir, invocation.group.folder, 'MEMORY.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const line = `- ${note.replace(/\s*\n\s*/g, ' ').trim()}`;
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (existing.split('\n').includes(line)) return 'Already remembered.';
  fs.appendFileSync(file, (existing === '' || existing.endsWith('\n') ? '' : '\n') + line + '\n');
  return 'Remembered.';
};
