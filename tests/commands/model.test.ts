// /model: shows and sets a group's model, kept in the store; the group's next model step
// asks that model (the stand-in records the name); a model Ollama lacks and cannot pull, or
// one without the tools capability, is refused with the reason and nothing changes (the
// pull of a model Ollama lacks: model-pull.test.ts). Main sets another
// group's model with /model <folder> <name>. A model set is warmed up at once.
import { describe, expect, it } from 'vitest';
import { registerGroup } from '../../lib/group-registration.js';
import { until } from '../faults/support/faults.js';
import { useTestBot } from '../support/test-bot.js';

describe('/model', () => {
  const t = useTestBot();

  it('shows the default, refuses a model without tools or not in Ollama, sets one with tools, and the turn uses it', async () => {
    const { bot, ollama } = t;
    ollama.models.add('qwen2.5:14b');
    ollama.models.add('tiny:1b');
    ollama.capabilities.set('tiny:1b', ['completion']);
    ollama.unknownToRegistry.add('nosuch:7b');

    await bot.post('main', '/model');
    await bot.post('main', '/model tiny:1b');
    await bot.post('main', '/model nosuch:7b');
    await bot.post('main', '/model qwen2.5:14b');
    // Four replies and the "pulling" notice of nosuch:7b.
    const replies = await bot.waitForReplies('local:main', 5);
    const texts = replies.map((m) => m.text);
    expect(texts).toContain('This chat uses the default model qwen2.5:7b. Set another with /model <name>.');
    expect(texts.find((text) => text.startsWith('The model tiny:1b'))).toMatch(/cannot call tools .* so nothing changed/);
    expect(texts.find((text) => text.startsWith('Could not pull nosuch:7b'))).toMatch(/so nothing changed: Ollama said "pull model manifest: file does not exist"\. Check the name/);
    expect(texts).toContain('This chat now uses the model qwen2.5:14b, from the next answer on.');
    expect(bot.store.groupSettings('main').model).toBe('qwen2.5:14b');
    // Loaded at once (the warm-up), so the next answer does not wait for it.
    await until('the new model warmed up', () => ollama.lastWarmup?.model === 'qwen2.5:14b');
    // Commands ask no model.
    expect(ollama.requests).toHaveLength(0);

    await bot.post('main', 'hello');
    await bot.waitForReplies('local:main', 6);
    await bot.groupIdle('main');
    expect(ollama.requests.map((r) => r.model)).toEqual(['qwen2.5:14b']);

    await bot.post('main', '/status');
    const status = await bot.waitForReplies('local:main', 7);
    expect(status[6].text).toContain('Model: qwen2.5:14b.');
  });

  it('main sets another group\'s model; that group\'s turns use it', async () => {
    const { bot, ollama } = t;
    registerGroup(bot.store, { jid: 'local:family', folder: 'family', requiresTrigger: false });
    await bot.post('main', '/model family qwen2.5:14b');
    const replies = await bot.waitForReplies('local:main', 8);
    expect(replies[7].text).toBe('The group family now uses the model qwen2.5:14b, from the next answer on.');
    await bot.post('family', '/model');
    await bot.waitForReplies('local:family', 1);
    expect(bot.replies('local:family')[0].text).toBe('This chat uses the model qwen2.5:14b (set with /model; the default is qwen2.5:7b).');
    // Another group may not name a folder.
    await bot.post('family', '/model main tiny:1b');
    await bot.waitForReplies('local:family', 2);
    expect(bot.replies('local:family')[1].text).toMatch(/^Only the main chat may set another group's model/);

    const before = ollama.requests.length;
    await bot.post('family', 'hi family');
    await bot.waitForReplies('local:family', 3);
    await bot.groupIdle('family');
    expect(ollama.requests.slice(before).map((r) => r.model)).toEqual(['qwen2.5:14b']);
  });
});
