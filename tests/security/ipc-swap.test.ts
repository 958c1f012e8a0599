// Hole 2: the IPC folders. The group's model, with run_command in the real container, tries
// to swap requests/ for a link into main's IPC folder (so its next command runs in main's
// container) or to a canary folder on the host, then kills the runner so the host rebuilds
// the container (chown, chmod, clear through the link). Then a runner gone bad (simulated
// from the host) answers with a symlink, a FIFO and a 1 GB file.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcClient } from '../../container/ipc/client.js';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { ipcDir, SANDBOX_UID, sandboxSettings } from '../../container/runtime/group-spec.js';
import { dockerClient } from '../../container/runtime/select.js';
import { FAMILY, lagMonitor, shell, useHostileBot } from './support.js';

const SECRET = 'ipc-canary-secret-77e1';

describe('a group attacks its IPC folder', () => {
  const t = useHostileBot({ docker: true });
  const ipc = (folder: string) => ipcDir(sandboxSettings(t.bot.config), folder);
  const groupDir = (folder: string) => path.join(t.bot.config.groupsDir, folder);
  const canary = () => path.join(t.dir, 'canary');
  const canaryState = () => {
    const stat = fs.statSync(canary());
    return { files: fs.readdirSync(canary()).sort(), uid: stat.uid, gid: stat.gid, mode: stat.mode };
  };

  it("requests/ swapped for a link to main's: refused, and nothing runs in main", async () => {
    expect(await t.ask('local:main', 'warm up main', shell('echo main is up'))).toContain('main is up');
    const swap = await t.ask(
      FAMILY.jid,
      'swap the folders',
      shell('cd /workspace/ipc && mv requests r0; ln -s ../main/requests requests; mv responses s0; ln -s ../main/responses responses; ls -la /workspace/ipc'),
    );
    expect(swap).toMatch(/mv: cannot move 'requests' to 'r0': Permission denied/);
    // requests/ is still there, so ln tries to make the link inside it, which it may not either.
    expect(swap).toMatch(/ln: failed to create symbolic link 'requests\/requests': Permission denied/);
    expect(swap).toMatch(/mv: cannot move 'responses' to 's0': Permission denied/);
    const next = await t.ask(FAMILY.jid, 'then touch', shell('touch /workspace/group/pwned && echo touched'));
    expect(next).toContain('touched');
    expect(fs.existsSync(path.join(groupDir(FAMILY.folder), 'pwned'))).toBe(true);
    expect(fs.existsSync(path.join(groupDir('main'), 'pwned'))).toBe(false);
    expect(fs.lstatSync(path.join(ipc(FAMILY.folder), 'requests')).isDirectory()).toBe(true);
  });

  it('a command can neither write the IPC folders nor kill the runner', async () => {
    const answer = await t.ask(
      FAMILY.jid,
      'forge and kill',
      shell('echo "{}" > /workspace/ipc/responses/forged.json; ls /workspace/ipc/requests; kill -9 $PPID; echo "exit=$? uid=$(id -u)"'),
    );
    expect(answer).toMatch(/responses\/forged.json: Permission denied/);
    expect(answer).toMatch(/ls: cannot open directory '\/workspace\/ipc\/requests': Permission denied/);
    expect(answer).toMatch(/Operation not permitted/);
    expect(answer).toContain(`exit=1 uid=${SANDBOX_UID}`);
    expect(fs.existsSync(path.join(ipc(FAMILY.folder), 'responses', 'forged.json'))).toBe(false);
  });

  it('a link to a canary folder, then the runner killed: the canary is untouched', async () => {
    fs.mkdirSync(canary(), { recursive: true, mode: 0o750 });
    fs.writeFileSync(path.join(canary(), 'keep-me.txt'), 'precious\n');
    const before = canaryState();
    await t.ask(
      FAMILY.jid,
      'link the canary and kill',
      shell(`cd /workspace/ipc && mv requests r0; ln -s ${canary()} requests; kill -9 $PPID; echo tried`),
      120_000,
    );
    expect(canaryState()).toEqual(before);

    // As an older BabyBot left it (the container owned the IPC root): the links are there
    // when the host rebuilds the container. It replaces them and follows none.
    const runtime = t.bot.sandbox;
    if (!(runtime instanceof DockerRuntime)) throw new Error('the hostile suite runs on the Docker runtime');
    for (const c of await runtime.list()) if (c.group === FAMILY.folder) await runtime.remove(c.name);
    const family = ipc(FAMILY.folder);
    fs.rmSync(path.join(family, 'requests'), { recursive: true, force: true });
    fs.rmSync(path.join(family, 'responses'), { recursive: true, force: true });
    fs.symlinkSync(canary(), path.join(family, 'requests'));
    fs.symlinkSync(path.join(ipc('main'), 'responses'), path.join(family, 'responses'));
    const mainResponses = fs.readdirSync(path.join(ipc('main'), 'responses'));
    expect(await t.ask(FAMILY.jid, 'after the rebuild', shell('echo rebuilt fine'))).toContain('rebuilt fine');
    expect(canaryState()).toEqual(before);
    expect(fs.readFileSync(path.join(canary(), 'keep-me.txt'), 'utf8')).toBe('precious\n');
    expect(fs.readdirSync(path.join(ipc('main'), 'responses'))).toEqual(mainResponses);
    for (const sub of ['requests', 'responses']) {
      const stat = fs.lstatSync(path.join(family, sub));
      expect(stat.isDirectory()).toBe(true);
      expect(stat.mode & 0o777).toBe(0o700);
    }
  });

  describe('a runner gone bad answers with something else than a file', () => {
    // The real runner is frozen meanwhile (docker pause): only the planted answer is there to read.
    const familyContainer = async () => {
      const runtime = t.bot.sandbox as DockerRuntime;
      const found = (await runtime.list()).find((c) => c.group === FAMILY.folder);
      if (!found) throw new Error('the family container is gone');
      return dockerClient(process.env.DOCKER_HOST!).docker.getContainer(found.id);
    };
    beforeAll(async () => (await familyContainer()).pause());
    afterAll(async () => (await familyContainer()).unpause());
    const client = () => new IpcClient(ipc(FAMILY.folder));
    const answer = (id: string) => path.join(ipc(FAMILY.folder), 'responses', `${id}.json`);

    it('a symlink to a host secret: refused, nothing of it leaks', async () => {
      const secret = path.join(t.dir, 'host-secret.txt');
      fs.writeFileSync(secret, `${SECRET}\n`);
      fs.symlinkSync(secret, answer('planted-link'));
      const error = await client()
        .call({ type: 'ping' }, { signal: AbortSignal.timeout(10_000) }, 'planted-link')
        .then(() => undefined, (e: Error) => e);
      expect(error?.message).toMatch(/answer to request planted-link was refused: .*is a symlink/);
      expect(error?.message).not.toContain(SECRET);
    });

    it('a FIFO: refused at once, the worker never blocks', async () => {
      execFileSync('mkfifo', [answer('planted-fifo')]);
      // Were the host to block on it, this frees it after 4 s, so the stall is measured, not hung on.
      const freer = spawn('sh', ['-c', `sleep 4; : > '${answer('planted-fifo')}'`], { stdio: 'ignore' });
      try {
        const lag = lagMonitor();
        const started = Date.now();
        const error = await client()
          .call({ type: 'ping' }, { signal: AbortSignal.timeout(10_000) }, 'planted-fifo')
          .then(() => undefined, (e: Error) => e);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(lag.stop()).toBeLessThan(1000);
        expect(error?.message).toMatch(/is a FIFO/);
      } finally {
        freer.kill('SIGKILL');
      }
    });

    it('1 GB: refused unread', async () => {
      fs.writeFileSync(answer('planted-big'), '');
      fs.truncateSync(answer('planted-big'), 1024 ** 3);
      const lag = lagMonitor();
      const started = Date.now();
      const error = await client()
        .call({ type: 'ping' }, { signal: AbortSignal.timeout(10_000) }, 'planted-big')
        .then(() => undefined, (e: Error) => e);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(lag.stop()).toBeLessThan(1000);
      expect(error?.message).toMatch(/is 1073741824 bytes, over the limit/);
    });
  });

  it('after all that, the group still works', async () => {
    expect(await t.ask(FAMILY.jid, 'still fine?', shell('echo still fine'))).toContain('still fine');
  });
});
