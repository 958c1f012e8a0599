// Fault: an interval task's Schedule counted from the Unix epoch, so `every 1d` fired at
// 00:00 UTC and `every 2h` at the next even hour, not one interval after it was made. Now
// the interval carries an offset (the creation time modulo the interval): "every 2h"
// means from now.
import { describe, expect, it } from 'vitest';
import { useTestBot } from '../support/test-bot.js';
import { OWNER, tasksOf } from './support/faults.js';

describe('interval tasks', () => {
  const t = useTestBot();

  it('run one interval after they were made, not on the epoch grid', async () => {
    const tasks = tasksOf(t.bot);
    for (const [every, ms] of [['1d', 86_400_000], ['2h', 7_200_000], ['45m', 2_700_000]] as const) {
      const made = Date.now();
      const task = await tasks.create(OWNER, { group: 'main', prompt: `every ${every}`, when: { every } }, `every-${every}`);
      const next = task.nextRun!.getTime();
      console.log(`every ${every}: made ${new Date(made).toISOString()}, next run ${task.nextRun!.toISOString()} (${((next - made) / 1000).toFixed(0)}s later)`);
      expect(Math.abs(next - (made + ms))).toBeLessThan(5_000);
      await tasks.remove(OWNER, task.id);
    }
  });
});
