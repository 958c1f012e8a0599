// A group's container over time: one per group, found again after a restart, reaped when idle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSandbox, type TestSandbox } from './engine.js';

describe('group containers', () => {
  let env: TestSandbox;

  beforeAll(async () => {
    env = await testSandbox({ SANDBOX_IDLE_TIMEOUT: '2s' });
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('a restart of BabyBot finds the running container instead of starting another', async () => {
    const first = await env.runtime.sandboxFor({ folder: 'home', isMain: false });
    expect((await first.call({ type: 'ping' })).ok).toBe(true);
    const [before] = await env.runtime.list();
    const restarted = env.restart();
    const again = await restarted.sandboxFor({ folder: 'home', isMain: false });
    expect((await again.call({ type: 'ping' })).ok).toBe(true);
    const after = await restarted.list();
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(before.id);
  });

  it('changed limits replace the container', async () => {
    const [before] = await env.runtime.list();
    await env.runtime.sandboxFor({ folder: 'home', isMain: false, overrides: { memoryMb: 128 } });
    const after = await env.runtime.list();
    expect(after).toHaveLength(1);
    expect(after[0].id).not.toBe(before.id);
    await expect(env.runtime.sandboxFor({ folder: 'home', isMain: false, overrides: { memoryMb: 'lots' } })).rejects.toThrow(/sandbox settings/);
  });

  it('the reaper removes a container idle longer than SANDBOX_IDLE_TIMEOUT, not a used one', async () => {
    const sandbox = await env.runtime.sandboxFor({ folder: 'home', isMain: false, overrides: { memoryMb: 128 } });
    await sandbox.call({ type: 'ping' });
    expect(await env.runtime.reapIdle()).toEqual([]);
    await new Promise((r) => setTimeout(r, 2500));
    const removed = await env.runtime.reapIdle();
    expect(removed).toHaveLength(1);
    expect(await env.runtime.list()).toEqual([]);
    // The next step starts a fresh one.
    const fresh = await env.runtime.sandboxFor({ folder: 'home', isMain: false });
    expect((await fresh.call({ type: 'ping' })).ok).toBe(true);
    expect(await env.runtime.list()).toHaveLength(1);
  });
});
