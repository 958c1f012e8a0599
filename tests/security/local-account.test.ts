// Issue 21, item 3: another account on the same machine. It can reach 127.0.0.1 (the API's
// token: cross-site.test.ts) and the file system. Here, on the real engine and image: the
// folders are closed to it, and what a hostile group leaves in its folder (a setuid program,
// a device node) gives it nothing. The other account is played by uid 65534 through
// util-linux's setpriv, the way `su nobody` would run it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_UID } from '../../container/runtime/group-spec.js';
import { FAMILY, shell, useHostileBot } from './support.js';

const OTHER_ACCOUNT = 65534;

/**
 * Runs a command as another account (no groups, no capabilities): what it prints, or its
 * error. Through `sh -c`: setpriv itself still holds root's capabilities until its exec, so
 * the path of the program it starts would be looked up as root.
 */
function asOtherAccount(command: string[]): string {
  try {
    return execFileSync('setpriv', ['--reuid', String(OTHER_ACCOUNT), '--regid', String(OTHER_ACCOUNT), '--clear-groups', '--', 'sh', '-c', '"$@"', 'sh', ...command], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    return `failed: ${String((error as { stderr?: string }).stderr ?? (error as Error).message)}`;
  }
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o7777;
const LEGACY_UID = 1000;

describe('another account of the machine, and what a group leaves behind', () => {
  const t = useHostileBot({
    docker: true,
    // What an older install or a `git clone` leaves: folders open to everyone, and a group
    // folder whose files an older BabyBot's commands made as uid 1000, a setuid one among them.
    prepare: (dir) => {
      for (const sub of ['data', 'groups']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
      fs.chmodSync(path.join(dir, 'groups'), 0o755);
      const old = path.join(dir, 'groups', FAMILY.folder, 'notes');
      fs.mkdirSync(old, { recursive: true });
      fs.writeFileSync(path.join(old, 'todo.md'), 'buy milk');
      fs.copyFileSync('/usr/bin/id', path.join(old, 'old-suid'));
      for (const entry of [path.join(dir, 'groups', FAMILY.folder), old, path.join(old, 'todo.md'), path.join(old, 'old-suid')]) {
        fs.lchownSync(entry, LEGACY_UID, LEGACY_UID);
      }
      fs.chmodSync(path.join(old, 'old-suid'), 0o4755);
    },
  });
  const groupDir = (folder: string) => path.join(t.bot.config.groupsDir, folder);

  it('DATA_DIR and GROUPS_DIR are closed (0700) at start, whatever they were', () => {
    expect(modeOf(t.bot.config.dataDir)).toBe(0o700);
    expect(modeOf(t.bot.config.groupsDir)).toBe(0o700);
    expect(asOtherAccount(['ls', t.bot.config.groupsDir])).toMatch(/failed: .*Permission denied/);
    expect(asOtherAccount(['cat', path.join(t.bot.config.dataDir, 'http-token')])).toMatch(/failed: .*Permission denied/);
    expect(asOtherAccount(['ls', path.join(t.bot.config.groupsDir, 'global')])).toMatch(/failed: .*Permission denied/);
  });

  it("commands run as a uid that is no account; a group's folder is that uid's alone (0711: the runner passes through)", async () => {
    const answer = await t.ask(FAMILY.jid, 'who am i', shell('id -u; touch /workspace/group/made-here; echo done'));
    expect(answer).toContain(`${SANDBOX_UID}\n`);
    for (const file of ['/etc/passwd', '/etc/group']) {
      const ids = fs.readFileSync(file, 'utf8').split('\n').map((line) => line.split(':')[2]);
      expect(ids, file).not.toContain(String(SANDBOX_UID));
    }
    const made = fs.lstatSync(path.join(groupDir(FAMILY.folder), 'made-here'));
    expect(made.uid).toBe(SANDBOX_UID);
    expect(fs.lstatSync(groupDir(FAMILY.folder)).uid).toBe(SANDBOX_UID);
    expect(modeOf(groupDir(FAMILY.folder))).toBe(0o711);
  });

  it("an older BabyBot's files (uid 1000) are the sandbox's now, and the setuid bit is gone", async () => {
    await t.ask(FAMILY.jid, 'start the container', shell('true'));
    const notes = path.join(groupDir(FAMILY.folder), 'notes');
    for (const entry of [notes, path.join(notes, 'todo.md'), path.join(notes, 'old-suid')]) expect(fs.lstatSync(entry).uid, entry).toBe(SANDBOX_UID);
    expect(modeOf(path.join(notes, 'old-suid')) & 0o6000).toBe(0);
  });

  it('a setuid program the group makes is no way in for another account; a device node cannot be made', async () => {
    const answer = await t.ask(
      FAMILY.jid,
      'leave a door open',
      shell('cp /usr/bin/id /workspace/group/door && chmod 4755 /workspace/group/door && stat -c "%a %u" /workspace/group/door; mknod /workspace/group/mem c 1 1 2>&1; grep " /workspace/group " /proc/self/mountinfo'),
    );
    // The owner may set the bit on its own file, so the file is there, setuid...
    expect(answer).toContain(`4755 ${SANDBOX_UID}`);
    expect(answer).toMatch(/mknod: .*Operation not permitted/);
    expect(fs.existsSync(path.join(groupDir(FAMILY.folder), 'mem'))).toBe(false);
    const door = path.join(groupDir(FAMILY.folder), 'door');
    expect(fs.lstatSync(door).mode & 0o4000).toBe(0o4000);
    // ...but it belongs to nobody who could log in, and another account cannot even reach it.
    expect(asOtherAccount([door, '-u'])).toMatch(/failed: .*Permission denied/);
  });
});
