// An approval that waits through a full restart: BabyBot and its embedded Temporal server
// stop while a turn waits for the owner; both start again on the same data folder (Temporal's
// SQLite file holds the waiting turn and its timer), and /approve then lets the call run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { until } from '../faults/support/faults.js';
import { lastUserText, OllamaStub, withoutTimeNote } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

describe('an approval across a restart of BabyBot and its Temporal server', () => {
  let ollama: OllamaStub | undefined;
  let bot: TestBot | undefined;
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
  });

  it('waits durably, and the answer after the restart lets the call run', async () => {
    ollama = await new OllamaStub().start();
    const stub = ollama;
    stub.setScript((request) => {
      const last = request.messages.at(-1);
      if (last?.role === 'tool') return { content: `done: ${withoutTimeNote(last.content).slice(0, 200)}` };
      return /please run/.test(lastUserText(request)) ? { toolCalls: [{ name: 'run_command', arguments: { command: 'echo restarted' } }] } : { content: 'ok' };
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-approval-restart-'));
    const env = {
      TEMPORAL_ADDRESS: '',
      TEMPORAL_CLI: inject('temporalCli'),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      APPROVE_TOOLS: 'run_command',
    };
    const workflowBundle = await bundleWorkflows();
    const start = () => startTestBot({ ollama: stub, dir, namespace: 'default', env, workflowBundle });
    bot = await start();
    expect(bot.temporal.embedded).toBe(true);
    registerGroup(bot.store, { jid: 'local:family', folder: 'family', name: 'Family', requiresTrigger: false });
    await bot.post('family', 'please run it');
    const asked = await until('the question', () => bot!.store.waitingApprovals()[0]);

    await bot.stop();
    bot = undefined;
    bot = await start();
    await bot.post('main', `/approve ${asked.id}`);
    const result = await until(
      'the call to run',
      () => stub.requests.find((r) => r.messages.at(-1)?.role === 'tool')?.messages.at(-1)?.content,
      60_000,
    );
    expect(result).toContain('restarted');
    await bot.waitForReplies('local:family', 1, 30_000);
    expect(bot.replies('local:family')[0].text).toMatch(/^done: /);
  });
});
