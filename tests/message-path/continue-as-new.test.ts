import { describe, expect, it } from 'vitest';

import { useTestBot } from '../support/test-bot.js';

describe('a long stream of messages', () => {
  const t = useTestBot({ turnsPerRun: 2 });

  it('continues as new, keeps the order and loses no message', async () => {
    t.ollama.setScript(() => ({ content: 'ok', delayMs: 150 }));
    const ids: string[] = [];
    for (let i = 1; i <= 14; i++) {
      const { id } = await t.bot.post('main', `message ${i}`, { id: `m${String(i).padStart(2, '0')}` });
      ids.push(id);
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 250));
    }
    // Every message is taken into a turn exactly once, in order.
    const turns: { start: number; ids: string[] }[] = [];
    for (let attempt = 0; attempt < 200; attempt++) {
      turns.length = 0;
      for await (const run of t.bot.client.workflow.list({ query: `BabybotKind = 'message' AND ExecutionStatus = 'Completed'` })) {
        turns.push({ start: run.startTime.getTime(), ids: (run.memo?.messageIds as string[]) ?? [] });
      }
      if (turns.flatMap((t) => t.ids).length >= ids.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    turns.sort((a, b) => a.start - b.start);
    expect(turns.flatMap((t) => t.ids)).toEqual(ids);
    expect(t.bot.replies('local:main')).toHaveLength(turns.length);

    // The group workflow rolled over: its first run ended in continue-as-new.
    const group = t.bot.client.workflow.getHandle('group:main');
    const runs: string[] = [];
    for await (const run of t.bot.client.workflow.list({ query: `WorkflowId = 'group:main'` })) runs.push(run.status.name);
    expect(runs.filter((s) => s === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(Math.floor(turns.length / 2) - 1);
    expect((await group.describe()).status.name).toBe('RUNNING');
  });
});
