import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { appendContained, readContained, UnsafePathError } from '../../lib/safe-fs.js';
import type { remember } from '../../contracts/tools/host-tools.js';
import { MEMORY_LIMIT_BYTES } from '../turn-context.js';
import type { HostToolHandler } from './types.js';

/**
 * Appends to the group's MEMORY.md; the same note twice (a retried step) is kept once. The
 * folder is the container's to write, so the file is touched through safe-fs only: a planted
 * link, FIFO or hard link is refused, never written through.
 */
export const rememberHandler: HostToolHandler = async (deps, invocation) => {
  const { note } = invocation.args as z.infer<typeof remember.schema>;
  const dir = path.join(deps.groupsDir, invocation.group.folder);
  const file = path.join(dir, 'MEMORY.md');
  const line = `- ${note.replace(/\s*\n\s*/g, ' ').trim()}`;
  fs.mkdirSync(dir, { recursive: true });
  try {
    const existing = readContained(dir, file, MEMORY_LIMIT_BYTES) ?? '';
    // Kept once; a retried step answers as the first attempt did.
    if (existing.split('\n').includes(line)) return 'Remembered.';
    appendContained(dir, file, (existing === '' || existing.endsWith('\n') ? '' : '\n') + line + '\n', MEMORY_LIMIT_BYTES);
  } catch (error) {
    if (error instanceof UnsafePathError) {
      const reason = error.message.split(`${dir}${path.sep}`).join('');
      throw ApplicationFailure.nonRetryable(
        `Not remembered: ${reason} Replace MEMORY.md with a plain text file (or remove it), then remember again.`,
        'UnsafeMemoryFile',
      );
    }
    throw error;
  }
  return 'Remembered.';
};
