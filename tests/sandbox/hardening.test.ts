// Each hardening property of a group's container, checked from inside it with the real
// engine and the real agent image.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../container/ipc/schema.js';
import { SANDBOX_UID } from '../../container/runtime/group-spec.js';
import type { Sandbox } from '../../container/runtime/types.js';
import { testSandbox, type TestSandbox } from './engine.js';

async function sh(sandbox: Sandbox, command: string, timeoutMs = 20_000): Promise<CommandResult> {
  const response = await sandbox.call({ type: 'run_command', command, timeoutMs, outputLimit: 100_000 });
  if (!response.ok) throw new Error(response.error);
  return response.result as CommandResult;
}

describe('a group container', () => {
  let env: TestSandbox;
  let family: Sandbox;
  let main: Sandbox;

  beforeAll(async () => {
    env = await testSandbox({ SANDBOX_MEMORY_MB: '96', SANDBOX_PIDS: '64' });
    main = await env.runtime.sandboxFor({ folder: 'main', isMain: true });
    family = await env.runtime.sandboxFor({ folder: 'family', isMain: false });
    fs.writeFileSync(path.join(env.config.groupsDir, 'main', 'secret.txt'), 'main only');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('runs as SANDBOX_UID (no account of the host), not root', async () => {
    const r = await sh(family, 'id -u; id -g');
    expect(r.stdout.trim().split('\n')).toEqual([String(SANDBOX_UID), String(SANDBOX_UID)]);
  });

  it('has no network but lo', async () => {
    const r = await sh(family, 'ls /sys/class/net; node -e "require(\'net\').connect(53, \'1.1.1.1\').on(\'error\', e => console.log(e.code))"');
    expect(r.stdout.trim().split('\n')).toEqual(['lo', 'ENETUNREACH']);
  });

  it('has a read-only root and a size-capped /tmp', async () => {
    const r = await sh(family, 'touch /etc/x 2>&1; touch /x 2>&1; df -m /tmp | tail -1');
    expect(r.stdout).toMatch(/\/etc\/x'?: Read-only file system/);
    expect(r.stdout).toMatch(/\/x'?: Read-only file system/);
    expect(r.stdout).toMatch(/tmpfs\s+64\s/);
  });

  it('has no capabilities and no new privileges', async () => {
    const r = await sh(family, 'grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs)" /proc/self/status');
    expect(r.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.stdout).toMatch(/CapPrm:\s+0000000000000000/);
    expect(r.stdout).toMatch(/CapBnd:\s+0000000000000000/);
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
  });

  it('refuses writes to read-only mounts, allows its own folder', async () => {
    const r = await sh(family, 'echo x > /workspace/global/x; echo x > /workspace/skills/x; echo ok > /workspace/group/mine && cat /workspace/group/mine');
    expect(r.stderr).toMatch(/\/workspace\/global\/x: Read-only file system/);
    expect(r.stderr).toMatch(/\/workspace\/skills\/x: Read-only file system/);
    expect(r.stdout).toBe('ok\n');
    expect(fs.readFileSync(path.join(env.config.groupsDir, 'family', 'mine'), 'utf8')).toBe('ok\n');
    const m = await sh(main, 'echo shared > /workspace/global/note && cat /workspace/global/note; grep -c " /workspace/project/" /proc/self/mountinfo');
    expect(m.stdout).toMatch(/^shared\n/);
    // The project here holds only DATA_DIR and GROUPS_DIR, which main never sees (tests/security/project-mount.test.ts).
    expect(m.stdout).toMatch(/\n0\n$/);
  });

  it('a non-main group sees neither another group\'s folder nor the project', async () => {
    const r = await sh(family, 'ls /workspace; ls /workspace/project 2>&1 | wc -l; cat /workspace/group/../main/secret.txt 2>&1; find / -name secret.txt 2>/dev/null | wc -l');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 5)).toEqual(['global', 'group', 'ipc', 'project', 'skills']);
    expect(lines[5]).toBe('0'); // the image's empty mount point, nothing bound there
    expect(r.stdout).toMatch(/No such file or directory/);
    expect(lines.at(-1)).toBe('0');
    // Main sees its own folder, but not the groups (strangers' folders) through the project.
    const m = await sh(main, 'cat /workspace/group/secret.txt; ls /workspace/project | grep -c groups');
    expect(m.stdout).toBe('main only0\n');
  });

  it('stops a fork bomb at the pids limit', async () => {
    // Node reports a refused fork at once (bash would retry for minutes).
    const bomb =
      'const { spawn } = require("child_process"); let started = 0, refused = 0;' +
      'for (let i = 0; i < 200; i++) { const c = spawn("sleep", ["30"]); c.on("error", () => {}); c.pid ? started++ : refused++; }' +
      'setTimeout(() => { console.log(started, refused, require("fs").readdirSync("/proc").filter(n => /^\\d+$/.test(n)).length); process.exit(0); }, 300);';
    const r = await sh(family, `node -e '${bomb}'`, 30_000);
    const [started, refused, processes] = r.stdout.trim().split(' ').map(Number);
    expect(refused, r.stdout + r.stderr).toBeGreaterThan(0);
    expect(started).toBeLessThan(64);
    expect(processes).toBeLessThanOrEqual(64);
    // The step ended them all: the container serves the next one at once.
    expect((await sh(family, 'echo alive')).stdout).toBe('alive\n');
  });

  it('kills an allocation over the memory limit', async () => {
    const r = await sh(family, 'node -e "const a=[]; for(;;) a.push(Buffer.alloc(8<<20, 1))"; echo "exit $?"', 30_000);
    expect(r.stdout).toMatch(/exit 137/);
    expect((await sh(family, 'echo alive')).stdout).toBe('alive\n');
  });
});
