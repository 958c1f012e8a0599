import { describe, expect, it } from 'vitest';

import { useTestBot } from '../support/test-bot.js';

describe('a message to local:main', () => {
  const t = useTestBot();

  it('gets exactly one reply, stored as an assistant message of the chat', async () => {
    const posted = await t.bot.post('main', 'hello there');
    expect(posted.triggered).toBe(true);
    const replies = await t.bot.waitForReplies('local:main', 1);
    expect(replies.map((r) => r.text)).toEqual(['echo: user: hello there']);
    await new Promise((r) => setTimeout(r, 500));
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
    await new Promise((r) => setTimeout(r, 800));
    expect(t.bot.replies('local:main')).toHaveLength(before + 1);
    expect(t.ollama.requests.length - requestsBefore).toBe(1);
  });
});
