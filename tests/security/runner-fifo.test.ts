// Issue 21, item 4: a FIFO planted by the group's own command where the runner opens a file.
// The runner's file tools were synchronous: read_file of a FIFO waited in open() for a writer
// that never came, and with it every later request of the group (the step timed out, the
// next ones too, until the container was replaced). Now the runner opens non-blocking,
// regular files only, so the planted FIFO is refused with a reason and the runner goes on.
// Real engine, real image (SANDBOX_IMAGE).
import { describe, expect, it } from 'vitest';
import { FAMILY, shell, useHostileBot } from './support.js';

describe("a FIFO in a group's folder", () => {
  const t = useHostileBot({ docker: true, env: { SANDBOX_STEP_TIMEOUT: '20s' } });

  it('is refused by read_file and write_file, and the runner keeps answering', async () => {
    expect(await t.ask(FAMILY.jid, 'plant a fifo', shell('mkfifo pipe && mkdir -p d && mkfifo d/inner && echo planted'))).toMatch(/exit code 0\nstdout:\nplanted/);
    const started = Date.now();
    const read = await t.ask(FAMILY.jid, 'read the fifo', { name: 'read_file', arguments: { path: 'pipe' } });
    expect(read).toMatch(/tool said: Error: \/workspace\/group\/pipe is a FIFO \(named pipe\), not a regular file; it was not opened/);
    const written = await t.ask(FAMILY.jid, 'write the fifo', { name: 'write_file', arguments: { path: 'd/inner', content: 'x' } });
    expect(written).toMatch(/tool said: Error: \/workspace\/group\/d\/inner is a FIFO \(named pipe\), not a regular file/);
    // Refused at once, not after the step's time limit.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await t.ask(FAMILY.jid, 'still there?', shell('echo alive'))).toMatch(/exit code 0\nstdout:\nalive/);
    expect(await t.ask(FAMILY.jid, 'read a real file', shell('echo hello > note.txt && echo ok'))).toMatch(/stdout:\nok/);
    expect(await t.ask(FAMILY.jid, 'read it', { name: 'read_file', arguments: { path: 'note.txt' } })).toBe('tool said: hello');
  });
});
