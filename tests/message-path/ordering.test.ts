import { beforeAll, describe, expect, it } from 'vitest';
import { queueQuery } from '../../workflows/group.js';
import { eventually } from '../support/eventually.js';
import { lastUserText, withoutTimeNote } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

describe('turns across and within groups', () => {
  const t = useTestBot();
  beforeAll(() => {
    for (const name of ['g1', 'g2', 'g3']) {
      t.bot.store.addGroup({ folder: name, jid: `local:${name}`, name, triggerWord: null, requiresTrigger: false, isMain: false });
    }
  });

  it('two groups run their turns at the same time', async () => {
    t.ollama.setScript((request) => ({ content: `done: ${lastUserText(request)}`, delayMs: 1500 }));
    t.ollama.maxInFlight = 0;
    await Promise.all([t.bot.post('g1', 'from one'), t.bot.post('g2', 'from two')]);
    await t.bot.waitForReplies('local:g1', 1);
    await t.bot.waitForReplies('local:g2', 1);
    expect(t.ollama.maxInFlight).toBe(2);
  });

  it('within a group turns run in arrival order; a message that arrives during a turn is answered after it', async () => {
    const seen: string[][] = [];
    t.ollama.setScript((request) => {
      const users = request.messages.filter((m) => m.role === 'user').map((m) => withoutTimeNote(m.content));
      seen.push(users);
      return { content: `answered ${users.at(-1)}`, delayMs: 1200 };
    });
    const first = await t.bot.post('g3', 'first');
    // The first turn is now thinking: its model step is the request the stand-in holds.
    await eventually(() => t.ollama.inFlight > 0, { timeoutMs: 10_000, what: 'the first turn to ask the model' });
    expect((await t.bot.client.workflow.getHandle('group:g3').query(queueQuery)).current).toBe(`turn:g3:${first.id}`);
    await t.bot.post('g3', 'second');
    await t.bot.post('g3', 'third');
    const replies = await t.bot.waitForReplies('local:g3', 2);
    await t.bot.groupIdle('g3');
    expect(t.bot.replies('local:g3').map((r) => r.text)).toEqual(['answered user: first', 'answered user: third']);
    // The second turn saw both queued messages, in order, after the first answer.
    expect(seen).toHaveLength(2);
    expect(seen[1].slice(-3)).toEqual(['user: first', 'user: second', 'user: third']);
    const thread = t.bot.messages('local:g3').map((m) => m.text);
    expect(thread).toEqual(['first', 'second', 'third', replies[0].text, 'answered user: third']);
  });
});
