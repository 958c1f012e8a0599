// Issue 21, item 4 (and hole 8 before it): a group's model fills its writable folder, with one
// big file or with many tiny ones (inodes). A step that crosses GROUP_DISK_LIMIT or
// GROUP_INODE_LIMIT fails with a clear message (the model is told to delete something, and
// tells the chat); while over, only run_command runs, and a step that makes the folder
// bigger while over locks the group's steps until the owner frees space. Other groups keep
// answering meanwhile. Real engine, real image (SANDBOX_IMAGE).
// Before: the limit was checked after a step only and counted bytes only, so an over-limit
// group kept running steps that each added more, and a folder of tiny files was never
// "over"; the walk was synchronous and held up the worker's event loop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskUsage } from '../../lib/safe-fs.js';
import { FAMILY, shell, useHostileBot } from './support.js';

describe('a group over GROUP_DISK_LIMIT or GROUP_INODE_LIMIT', () => {
  const t = useHostileBot({ docker: true, env: { GROUP_DISK_LIMIT: '4m', GROUP_INODE_LIMIT: '2000' } });
  const familyDir = () => path.join(t.dir, 'groups', FAMILY.folder);

  it('fails the step that crossed it, saying so; deleting brings it back', async () => {
    const filled = await t.ask(FAMILY.jid, 'fill the disk', shell('head -c 6000000 /dev/urandom > big.bin; echo wrote'));
    expect(filled).toMatch(
      /tool said: Error: run_command failed: After this step \/workspace\/group uses 5\.\d MB, over the group's limit of 4\.0 MB \(GROUP_DISK_LIMIT\)\. Delete files/,
    );
    // Still over: every step says so, until something is deleted; only run_command runs.
    expect(await t.ask(FAMILY.jid, 'look', shell('ls'))).toMatch(/over the group's limit/);
    expect(await t.ask(FAMILY.jid, 'write more', { name: 'write_file', arguments: { path: 'x.txt', content: 'x' } })).toMatch(
      /uses 5\.\d MB, over the group's limit of 4\.0 MB \(GROUP_DISK_LIMIT\)\. Only run_command runs until it is under/,
    );
    expect(fs.existsSync(path.join(familyDir(), 'x.txt'))).toBe(false);
    expect(await t.ask(FAMILY.jid, 'clean up', shell('rm big.bin && echo removed'))).toMatch(/tool said: exit code 0\nstdout:\nremoved/);
    expect(await t.ask(FAMILY.jid, 'small file', shell('echo small > small.txt && echo ok'))).toMatch(/exit code 0\nstdout:\nok/);
  });

  it('locks a group that grows its folder while over, tells the chat, and main keeps answering', async () => {
    expect(await t.ask(FAMILY.jid, 'fill again', shell('head -c 6000000 /dev/urandom > big.bin; echo wrote'))).toMatch(/GROUP_DISK_LIMIT/);
    const grown = await t.ask(FAMILY.jid, 'grow while over', shell('head -c 1000000 /dev/urandom > more.bin; echo wrote'));
    expect(grown).toMatch(/It grew while over the limit, so no further step of this group runs until the owner frees space/);
    // Refused before it runs: even a command that would delete (the file stays).
    const refused = await t.ask(FAMILY.jid, 'now delete', shell('rm more.bin; echo removed'));
    expect(refused).toMatch(/A step made it bigger while it was over the limit, so no step of this group runs until it is under again/);
    expect(fs.existsSync(path.join(familyDir(), 'more.bin'))).toBe(true);
    // Another group is not held up by it.
    expect(await t.ask('local:main', 'main works', shell('echo fine'))).toMatch(/exit code 0\nstdout:\nfine/);
    // The owner frees space on the host: the group runs again.
    fs.rmSync(path.join(familyDir(), 'big.bin'));
    fs.rmSync(path.join(familyDir(), 'more.bin'));
    expect(await t.ask(FAMILY.jid, 'after the owner cleaned', shell('echo back'))).toMatch(/exit code 0\nstdout:\nback/);
  });

  it('counts files as well as bytes: many tiny files are stopped too', async () => {
    const tiny = await t.ask(FAMILY.jid, 'many tiny files', shell('mkdir many && cd many && seq 1 3000 | xargs touch && echo made'));
    expect(tiny).toMatch(/After this step \/workspace\/group holds more than 2000 files and folders, over the group's limit \(GROUP_INODE_LIMIT\)/);
    expect(await t.ask(FAMILY.jid, 'list them', { name: 'list_files', arguments: { path: 'many' } })).toMatch(/Only run_command runs until it is under/);
    expect(await t.ask(FAMILY.jid, 'remove them', shell('rm -rf many && echo gone'))).toMatch(/exit code 0\nstdout:\ngone/);
    expect(await t.ask(FAMILY.jid, 'and on', shell('echo on'))).toMatch(/exit code 0\nstdout:\non/);
  });
});

describe("the walk of a group's folder", () => {
  it('lets the event loop turn while it runs, and stops at its entry budget', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-walk-'));
    try {
      for (let d = 0; d < 20; d++) {
        fs.mkdirSync(path.join(dir, `d${d}`));
        for (let f = 0; f < 2000; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}`), 'x');
      }
      // Structural, not timed: a synchronous walk lets no other callback run until it ends.
      let turns = 0;
      const ticker = setInterval(() => turns++, 1);
      const full = await diskUsage(dir, 100_000);
      clearInterval(ticker);
      expect(full).toMatchObject({ entries: 40_020, stopped: false });
      expect(turns).toBeGreaterThan(10);
      expect(await diskUsage(dir, 5_000)).toMatchObject({ entries: 5_000, stopped: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
