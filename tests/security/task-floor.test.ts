// Issue 21, item 4: the interval floor (TASK_MIN_INTERVAL) bypassed with one-shot tasks. A
// group's model cannot schedule a task every minute, but it could schedule a one-shot whose
// prompt makes it schedule the next one-shot a minute later, for ever (or pile up one-shots a
// minute apart). Now a one-shot of a group other than main must be the floor away from the
// last run of the group's tasks (Temporal's own record, so deleting the task that ran does
// not help) and from every one-shot still due. Main has no floor.
// Before: every one of these was scheduled, and the re-armed task ran again a minute later.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskActor } from '../../tasks/task-service.js';
import { TaskService } from '../../tasks/task-service.js';
import { withoutTimeNote, type ChatRequestBody } from '../support/ollama-stub.js';
import { FAMILY, useHostileBot } from './support.js';

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const OWNER: TaskActor = { isMain: true, label: 'test' };

describe('one-shot tasks of a group other than main', () => {
  const t = useHostileBot();
  const tasks = () => TaskService.forConfig(t.bot.client, t.bot.config, (folder) => t.bot.store.groupByFolder(folder));

  beforeAll(() => {
    // A message "at +N s: PROMPT" schedules a one-shot N seconds ahead; the prompt "TASK rearm"
    // (a task's run) schedules the next one a minute after it, as a re-arming prompt would.
    t.ollama.setScript((request: ChatRequestBody) => {
      const last = request.messages.at(-1)!;
      if (last.role === 'tool') return { content: `tool said: ${last.content}` };
      const text = withoutTimeNote(last.content);
      const plan = /at \+(\d+) s: (TASK \w+)/.exec(text);
      if (plan) return { toolCalls: [{ name: 'schedule_task', arguments: { prompt: plan[2], at: inSeconds(Number(plan[1])) } }] };
      const pause = /pause (task:\S+)/.exec(text);
      if (pause) return { toolCalls: [{ name: 'pause_task', arguments: { task_id: pause[1] } }] };
      if (text.includes('TASK rearm')) return { toolCalls: [{ name: 'schedule_task', arguments: { prompt: 'TASK rearm', at: inSeconds(60) } }] };
      return { content: 'ok' };
    });
  });

  const ask = async (chat: string, text: string) => {
    const before = t.bot.replies(chat).length;
    await t.bot.post(chat, text);
    return (await t.bot.waitForReplies(chat, before + 1, 60_000))[before].text;
  };

  it('cannot be stacked a minute apart, paused or not', async () => {
    const later = await ask(FAMILY.jid, 'at +3600 s: TASK later');
    expect(later).toMatch(/tool said: Scheduled task:family:/);
    // Paused, it would still run at once when resumed after its time: it keeps its place.
    expect(await ask(FAMILY.jid, `pause ${/task:family:\w+/.exec(later)![0]}`)).toMatch(/tool said: Paused task:family:/);
    const stacked = await ask(FAMILY.jid, 'at +3660 s: TASK stacked');
    expect(stacked).toMatch(
      /tool said: Error: schedule_task failed: That one-shot would run at .*, within 5m of another task run \(task:family:\S+ is due at .*\)\. In a group other than main, one-shots keep the same floor as intervals \(TASK_MIN_INTERVAL=5m\)/,
    );
    expect(await ask(FAMILY.jid, 'at +4000 s: TASK farther')).toMatch(/tool said: Scheduled task:family:/);
  });

  it('cannot re-arm itself: the run that schedules the next one is refused, and the chat is told', async () => {
    expect(await ask(FAMILY.jid, 'at +4 s: TASK rearm')).toMatch(/tool said: Scheduled task:family:/);
    const before = t.bot.replies(FAMILY.jid).length;
    // The one-shot fires; its turn asks for the next one a minute later.
    const [rearm] = (await t.bot.waitForReplies(FAMILY.jid, before + 1, 40_000)).slice(before);
    expect(rearm.text).toMatch(
      /tool said: Error: schedule_task failed: That one-shot would run at .*, within 5m of another task run \(a run of this group's tasks started at .*\)/,
    );
    const due = (await tasks().list(OWNER, FAMILY.folder)).filter((task) => task.prompt === 'TASK rearm' && task.nextRun);
    expect(due).toEqual([]);
  });

  it('main has no floor', async () => {
    expect(await ask('local:main', 'at +3600 s: TASK main one')).toMatch(/tool said: Scheduled task:main:/);
    expect(await ask('local:main', 'at +3660 s: TASK main two')).toMatch(/tool said: Scheduled task:main:/);
  });
});
