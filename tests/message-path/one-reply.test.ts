import { describe, expect, it } from 'vitest';

import { useTestBot } from '../support/test-bot.js';

describe('a message to local:main', () => {
  const t = useTestBot();

  it('gets exactly one reply, stored as an assistant message of the chat', async () => {
    const posted = await t.bot.post('main', 'hello there');
    expect(posted.triggered).toBe(true);
    const replies = await t.bot.waitForReplies('local:main', 1);
    expect(replies.map((r) => r.text)).toEqual(['echo: user: hello there']);
    // The turn has ended (its result) and the group runs no other: no second reply can come.
    await t.bot.client.workflow.getHandle(`turn:main:${posted.id}`).result();
    await t.bot.groupIdle('main');
    expect(t.bot.replies('local:main')).toHaveLength(1);
  });

  it('posting the same id twice gives one turn and one reply', async () => {
    const before = t.bot.replies('local:main').length;
    const requestsBefore = t.ollama.requests.length;
    const first = await t.bot.post('main', 'same message', { id: 'dup-1' });
    const second = await t.bot.post('main', 'same message', { id: 'dup-1' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    await t.bot.waitForReplies('local:main', before + 1);
    await t.bot.client.workflow.getHandle(`turn:main:${first.id}`).result();
    await t.bot.groupIdle('main');
    expect(t.bot.replies('local:main')).toHaveLength(before + 1);
    expect(t.ollama.requests.length - requestsBefore).toBe(1);
  });
});
