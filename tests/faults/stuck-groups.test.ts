// Fault: a group is stuck, silently. Before: nothing listed it (`runs --failed` shows only
// closed runs; a group whose workflow tasks fail, or whose turn runs for hours, is "Running").
// Now `babybot runs --stuck` and a line of `babybot doctor` list groups whose workflow tasks
// keep failing, whose queue does not move, or whose turn has run longer than a turn's bound,
// each with why (the step it waits for and its last failure) and its Web UI links.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stuckCheck } from '../../cli/stuck-check.js';
import { groupWorkflowId } from '../../contracts/ids.js';
import { babybotAttributes } from '../../contracts/search-attributes.js';
import { taskQueues } from '../../contracts/task-queue-names.js';
import type { GroupWorkflowInput } from '../../contracts/types.js';
import { findStuckGroups } from '../../temporal/stuck.js';
import { useTestBot } from '../support/test-bot.js';
import { temporalAddress } from '../support/temporal.js';
import { until } from './support/faults.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const UI = 'http://127.0.0.1:8233';

describe('stuck groups', () => {
  const t = useTestBot();

  const babybot = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'bin/babybot.js'), ...args],
        {
          cwd: t.bot.dir,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            TEMPORAL_ADDRESS: temporalAddress(),
            TEMPORAL_NAMESPACE: t.bot.namespace,
            TEMPORAL_UI_URL: UI,
            LOG_LEVEL: 'error',
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('a turn running longer than its bound is listed with the step it waits for', async () => {
    const { bot, ollama } = t;
    expect(await findStuckGroups(bot.client, { turnBoundMs: 60_000 })).toEqual([]);
    ollama.setReplies({ content: 'slow', delayMs: 4000 });
    await bot.post('main', 'think long');
    await until('the turn to be thinking', () => ollama.inFlight === 1);
    // A bound of 1 s stands for the configured one (AGENT_MAX_STEPS × MODEL_TIMEOUT + 10 min).
    const stuck = await until('the turn to pass a 1 s bound', async () => {
      const found = await findStuckGroups(bot.client, { turnBoundMs: 1000 });
      return found.length ? found : undefined;
    });
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatchObject({ folder: 'main', workflowId: 'group:main', turn: { workflowId: expect.stringMatching(/^turn:main:/) } });
    expect(stuck[0].reason).toMatch(/^its turn turn:main:\S+ has run for \S+, longer than a turn's bound \(1s\); it waits for chat \(attempt 1\)/);
    await bot.waitForReplies('local:main', 1);
    await bot.groupIdle('main');
    expect(await findStuckGroups(bot.client, { turnBoundMs: 1000 })).toEqual([]);
    console.log(`long turn: ${stuck[0].reason}`);
  });

  it('a group whose workflow tasks fail is listed by `babybot runs --stuck` and `babybot doctor`, with its link', async () => {
    const { bot } = t;
    // A signal the group's code cannot take (a bug, a payload from an older version): every workflow task fails.
    const input: GroupWorkflowInput = { folder: 'family', chat: 'local:family', queue: [], handled: [], turnsPerRun: 100 };
    await bot.client.workflow.signalWithStart('groupWorkflow', {
      workflowId: groupWorkflowId('family'),
      taskQueue: taskQueues(bot.config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
      args: [input],
      signal: 'message',
      signalArgs: [null],
      typedSearchAttributes: babybotAttributes({ group: 'family', chat: 'local:family', kind: 'group' }),
    });
    try {
      await until('its workflow task to fail twice', async () => {
        const described = await bot.client.workflow.getHandle(groupWorkflowId('family')).describe();
        return (described.raw.pendingWorkflowTask?.attempt ?? 0) >= 2;
      });
      const { code, stdout, stderr } = await babybot('runs', '--stuck');
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^STUCK {6}group:family {2}its workflow task has failed \d+ times?/m);
      expect(stdout).toContain(`${UI}/namespaces/${bot.namespace}/workflows/group%3Afamily/`);
      expect(stdout).not.toContain('group:main');
      const doctor = await stuckCheck.run(bot.config, {});
      expect(doctor.ok).toBe(false);
      expect(doctor.detail).toMatch(/^group:family: its workflow task has failed/);
      expect(doctor.fix).toMatch(/babybot runs --stuck/);
      console.log(`babybot runs --stuck:\n${stdout}doctor: WARN Stuck groups: ${doctor.detail}`);
    } finally {
      await bot.client.workflow.getHandle(groupWorkflowId('family')).terminate('fault test: done');
    }
    expect((await babybot('runs', '--stuck')).stdout).toMatch(/^No stuck groups/);
  });
});
