// Fault: a turn is cancelled (the Web UI's Cancel, `temporal workflow cancel`) while a tool
// runs. Before: the tool's CancelledFailure became text for the model, and the failure
// notice was scheduled in the cancelled scope, so it failed and nobody was told. Now the
// cancellation ends the turn, the chat is told once (the notice runs in a scope that a
// cancellation cannot stop), and the run shows as Cancelled, with the cancellation its cause.
import { describe, expect, it } from 'vitest';
import { useTestBot } from '../support/test-bot.js';
import { closedRun, pause, until } from './support/faults.js';

describe('a cancelled turn', () => {
  const t = useTestBot();

  it('tells the chat once and shows the cancellation as the cause', async () => {
    const { bot, ollama } = t;
    ollama.setReplies({ toolCalls: [{ name: 'run_command', arguments: { command: 'sleep 20' } }] }, { content: 'must not be asked' });
    const { id } = await bot.post('main', 'run something slow');
    const turnId = `turn:main:${id}`;
    await until('the tool to run', async () => {
      const history = await bot.client.workflow.getHandle(turnId).fetchHistory().catch(() => undefined);
      return history?.events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runSandboxTool');
    });
    await pause(500);
    await bot.client.workflow.getHandle(turnId).cancel();

    const run = await closedRun(bot.client, turnId);
    expect(run.status.name).toBe('CANCELLED');
    const notices = await bot.waitForReplies('local:main', 1);
    await pause(1500);
    expect(bot.replies('local:main')).toHaveLength(1);
    expect(notices[0].text).toMatch(/^Sorry, I could not answer that: the run was cancelled/);
    expect(ollama.requests).toHaveLength(1);
    const history = await bot.client.workflow.getHandle(turnId).fetchHistory();
    const last = history.events!.at(-1)!;
    expect(last.workflowExecutionCanceledEventAttributes).toBeTruthy();
    console.log(`status ${run.status.name}; chat told: ${JSON.stringify(notices[0].text.split('\n')[0])}; model calls: ${ollama.requests.length}`);
  });
});
