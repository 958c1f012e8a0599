// The file-watch IPC and the steps' limits, against the real runner in a real container.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult, SandboxResponse } from '../../container/ipc/schema.js';
import { ipcDir, sandboxSettings } from '../../container/runtime/group-spec.js';
import { dockerClient } from '../../container/runtime/select.js';
import { ContainerDiedError, type Sandbox } from '../../container/runtime/types.js';
import { testSandbox, type TestSandbox } from './engine.js';

/** The result of a command that ran (fails the test with the error otherwise). */
function ran(response: SandboxResponse): CommandResult {
  if (!response.ok) throw new Error(response.error);
  return response.result as CommandResult;
}

const command = (cmd: string, timeoutMs = 20_000, outputLimit = 100_000) => ({ type: 'run_command' as const, command: cmd, timeoutMs, outputLimit });

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the file-watch IPC', () => {
  let env: TestSandbox;
  let sandbox: Sandbox;
  let dir: string;

  beforeAll(async () => {
    env = await testSandbox({ SANDBOX_PIDS: '64' });
    sandbox = await env.runtime.sandboxFor({ folder: 'team', isMain: false });
    dir = ipcDir(sandboxSettings(env.config), 'team');
    expect((await sandbox.call({ type: 'ping' })).ok).toBe(true);
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  /** Drops a raw file into requests/ as a misbehaving writer would. */
  function drop(name: string, content: string | Buffer) {
    fs.writeFileSync(path.join(dir, 'requests', `.${name}.tmp`), content);
    fs.renameSync(path.join(dir, 'requests', `.${name}.tmp`), path.join(dir, 'requests', name));
  }
  const response = (id: string) => waitFor(() => {
    const file = path.join(dir, 'responses', `${id}.json`);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
  });
  const reason = (name: string) => waitFor(() => {
    const file = path.join(dir, 'errors', `${name}.reason.txt`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  });

  it('moves malformed JSON to errors/ with a reason, answers it, and keeps serving', async () => {
    drop('bad-json.json', '{"type": "ping",');
    expect(await reason('bad-json.json')).toMatch(/not valid JSON/);
    expect(fs.existsSync(path.join(dir, 'errors', 'bad-json.json'))).toBe(true);
    expect(await response('bad-json')).toMatchObject({ ok: false, kind: 'refused' });
    expect((await sandbox.call({ type: 'ping' })).ok).toBe(true);
  });

  it('answers an unknown type or a schema mismatch with an error', async () => {
    drop('unknown-type.json', JSON.stringify({ type: 'format_disk' }));
    drop('wrong-schema.json', JSON.stringify({ type: 'run_command', command: 42 }));
    expect((await response('unknown-type')).error).toMatch(/does not match the schema/);
    expect((await response('wrong-schema')).error).toMatch(/command/);
    expect(await reason('wrong-schema.json')).toMatch(/schema/);
    expect((await sandbox.call({ type: 'ping' })).ok).toBe(true);
  });

  it('refuses a huge request unread, on both sides', async () => {
    drop('huge.json', Buffer.alloc(5 * 1024 * 1024, 'a'));
    expect((await response('huge')).error).toMatch(/over the limit/);
    await expect(sandbox.call({ type: 'write_file', path: 'big', content: 'x'.repeat(5 * 1024 * 1024) })).rejects.toThrow(/at most/);
    expect((await sandbox.call({ type: 'ping' })).ok).toBe(true);
  });

  it('refuses path traversal and symlinks out of the workspace', async () => {
    const outside = await sandbox.call({ type: 'read_file', path: '../../../etc/passwd', maxBytes: 1000 });
    expect(outside).toMatchObject({ ok: false, kind: 'refused' });
    const ipc = await sandbox.call({ type: 'write_file', path: '/workspace/ipc/responses/x.json', content: '{}' });
    expect(ipc).toMatchObject({ ok: false, kind: 'refused' });
    await sandbox.call(command('ln -s /etc /workspace/group/etc-link'));
    const link = await sandbox.call({ type: 'read_file', path: 'etc-link/passwd', maxBytes: 1000 });
    expect(link.ok ? 'read' : link.error).toMatch(/outside \/workspace\/group/);
    const inside = await sandbox.call({ type: 'write_file', path: 'sub/../notes.md', content: 'hello' });
    expect(inside.ok).toBe(true);
    expect(fs.readFileSync(path.join(env.config.groupsDir, 'team', 'notes.md'), 'utf8')).toBe('hello');
    // A traversal in a request file's name cannot leave requests/: fs.watch gives base names.
    drop('x..%2F..%2Fescape.json', JSON.stringify({ type: 'ping' }));
    expect(await reason('x..%2F..%2Fescape.json')).toMatch(/not a valid request id/);
  });

  it('a time limit kills the command and everything it started', async () => {
    const started = Date.now();
    const res = await sandbox.call(command('sleep 300 & (setsid sleep 301 &); sleep 302', 1000));
    const r = res.ok ? (res.result as CommandResult) : undefined;
    expect(r?.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    const ps = await sandbox.call(command('cat /proc/[0-9]*/cmdline | tr "\\0" " "'));
    expect((ps.ok ? (ps.result as CommandResult).stdout : '')).not.toMatch(/sleep 30[012]/);
  });

  it('cuts output over the limit and says how much', async () => {
    const res = await sandbox.call(command('head -c 50000 /dev/zero | tr "\\0" a; echo err >&2', 20_000, 1000));
    const r = ran(res);
    expect(r.stdout).toHaveLength(1000);
    expect(r.stdoutCut).toBe(49_000);
    expect(r.stderr).toBe('err\n');
  });

  it('a cancelled step stops its command', async () => {
    const abort = new AbortController();
    const step = sandbox.call(command('sleep 303'), { signal: abort.signal });
    await new Promise((r) => setTimeout(r, 500));
    abort.abort(new Error('cancelled by the test'));
    await expect(step).rejects.toThrow(/cancelled by the test/);
    const ps = await sandbox.call(command('cat /proc/[0-9]*/cmdline | tr "\\0" " "'));
    expect(ran(ps).stdout).not.toMatch(/sleep 303/);
  });

  it('a container killed during a step fails it at once as died; the retry gets a new container and completes', async () => {
    const current = await env.runtime.sandboxFor({ folder: 'team', isMain: false });
    const before = (await env.runtime.list()).find((c) => c.group === 'team')!;
    const step = current.call(command('sleep 60'));
    // Expect the rejection before causing it: it may arrive while the kill is still awaited.
    const died = expect(step).rejects.toBeInstanceOf(ContainerDiedError);
    await new Promise((r) => setTimeout(r, 500));
    await dockerClient(env.config.DOCKER_HOST).docker.getContainer(before.id).kill();
    await died;
    const replaced = await env.runtime.sandboxFor({ folder: 'team', isMain: false });
    expect(ran(await replaced.call(command('echo back'))).stdout).toBe('back\n');
    const after = (await env.runtime.list()).filter((c) => c.group === 'team');
    expect(after).toHaveLength(1);
    expect(after[0].id).not.toBe(before.id);
  });
});
