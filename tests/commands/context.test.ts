// /new and /compact change what the next turn's prompt holds (the stand-in's recorded
// requests): after /new no earlier message, after /compact the model's summary of them in
// the host's note instead of the messages. Memory files stay in both.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastUserText, withoutTimeNote } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

const SUMMARY = 'Summary: the owner plans a trip to Lisbon in May and prefers trains.';

describe('/new and /compact', () => {
  const t = useTestBot();
  const contents = (index: number) => t.ollama.requests[index].messages.map((m) => withoutTimeNote(m.content)).join('\n---\n');

  it('/new: the next prompt holds no message from before it, memory stays', async () => {
    const { bot, ollama } = t;
    fs.mkdirSync(path.join(bot.config.groupsDir, 'main'), { recursive: true });
    fs.writeFileSync(path.join(bot.config.groupsDir, 'main', 'MEMORY.md'), '- The owner has a cat called Miso.\n');
    await bot.post('main', 'my favourite colour is teal');
    await bot.waitForReplies('local:main', 1);
    await bot.post('main', '/new');
    const replies = await bot.waitForReplies('local:main', 2);
    expect(replies[1].text).toMatch(/^Started a fresh conversation/);
    await bot.post('main', 'what do you know?');
    await bot.waitForReplies('local:main', 3);
    await bot.groupIdle('main');

    expect(ollama.requests).toHaveLength(2);
    expect(contents(0)).toContain('my favourite colour is teal');
    const next = contents(1);
    expect(next).not.toContain('teal');
    expect(next).toContain('what do you know?');
    // The command and its reply are the group's controls, never the conversation.
    expect(next).not.toContain('/new');
    expect(next).not.toContain('fresh conversation');
    expect(next).toContain('The owner has a cat called Miso.');
  });

  it('/compact: the model summarises, the next prompt reads the summary instead of the messages', async () => {
    const { bot, ollama } = t;
    ollama.setScript((request) =>
      /summary of the conversation above/.test(lastUserText(request)) ? { content: SUMMARY } : { content: `echo: ${lastUserText(request)}` },
    );
    const before = ollama.requests.length;
    await bot.post('main', 'we go to Lisbon in May, by train');
    await bot.waitForReplies('local:main', 4);
    await bot.post('main', '/compact');
    const replies = await bot.waitForReplies('local:main', 5);
    expect(replies[4].text).toMatch(/^Compacted: I wrote a summary/);

    // The summary request: the conversation since /new, no tools offered, the request last.
    const summaryRequest = ollama.requests[before + 1];
    expect(summaryRequest.tools ?? []).toEqual([]);
    const asked = contents(before + 1);
    expect(asked).toContain('we go to Lisbon in May, by train');
    expect(asked).not.toContain('teal');

    await bot.post('main', 'where are we going?');
    await bot.waitForReplies('local:main', 6);
    await bot.groupIdle('main');
    const next = contents(before + 2);
    expect(next).toContain(SUMMARY);
    expect(next).not.toContain('we go to Lisbon in May, by train');
    expect(next).toContain('where are we going?');
    expect(next).toContain('The owner has a cat called Miso.');
    expect(fs.readFileSync(path.join(bot.config.groupsDir, 'main', 'MEMORY.md'), 'utf8')).toBe('- The owner has a cat called Miso.\n');
  });
});
