// Hole 8: a group's model fills its writable folder. A step that leaves it over
// GROUP_DISK_LIMIT fails with a clear message (the model is told to delete something), the
// next step that deletes runs, and then the group works again. Real engine, real image.
import { describe, expect, it } from 'vitest';
import { FAMILY, shell, useHostileBot } from './support.js';

describe('a group over GROUP_DISK_LIMIT', () => {
  const t = useHostileBot({ docker: true, env: { GROUP_DISK_LIMIT: '4m' } });

  it('fails the step that crossed it, saying so; deleting brings it back', async () => {
    const filled = await t.ask(FAMILY.jid, 'fill the disk', shell('head -c 6000000 /dev/urandom > big.bin; echo wrote'));
    expect(filled).toMatch(
      /tool said: Error: run_command failed: After this step \/workspace\/group uses 5\.\d MB, over the group's limit of 4\.0 MB \(GROUP_DISK_LIMIT\)\. Delete files/,
    );
    // Still over: every step says so, until something is deleted.
    expect(await t.ask(FAMILY.jid, 'look', shell('ls'))).toMatch(/over the group's limit/);
    expect(await t.ask(FAMILY.jid, 'clean up', shell('rm big.bin && echo removed'))).toMatch(/tool said: exit code 0\nstdout:\nremoved/);
    expect(await t.ask(FAMILY.jid, 'small file', shell('echo small > small.txt && echo ok'))).toMatch(/exit code 0\nstdout:\nok/);
  });
});
