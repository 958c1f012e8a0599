// /model <name> for a model Ollama does not have: the chat is told "Pulling …", the model is
// pulled by the model queue's pull step (the stand-in streams Ollama's progress lines), and
// the result is told after, with the tools check of the pulled model. While it downloads,
// other commands and the group's turns are answered. A name the registry does not know, or a
// machine that cannot reach it, is refused with what to do; nothing changes.
import { describe, expect, it } from 'vitest';
import { groupWorkflowId } from '../../contracts/ids.js';
import { until } from '../faults/support/faults.js';
import { useTestBot } from '../support/test-bot.js';

describe('/model pulls a model Ollama lacks', () => {
  const t = useTestBot();

  it('tells the chat, pulls beside other commands and turns, then sets it', async () => {
    const { bot, ollama } = t;
    ollama.pullMs = 4000;
    await bot.post('main', '/model qwen2.5:14b');
    const [pulling] = await bot.waitForReplies('local:main', 1);
    expect(pulling.text).toMatch(/^Pulling qwen2\.5:14b into Ollama: .* I will say here when it is done/);
    await until('the download to be under way', () => ollama.pulling === 1);

    // Meanwhile: /status is answered and a message gets its turn, both while the pull still runs.
    await bot.post('main', '/status');
    await bot.post('main', 'hello during the pull');
    const meanwhile = await bot.waitForReplies('local:main', 3);
    expect(ollama.pulling).toBe(1);
    expect(meanwhile.map((m) => m.text)).toContain('echo: user: hello during the pull');
    expect(meanwhile.some((m) => m.text.startsWith('Status of'))).toBe(true);
    // That turn still used the old model: the new one is set only once it is there.
    expect(ollama.requests.map((r) => r.model)).toEqual(['qwen2.5:7b']);

    const done = await bot.waitForReplies('local:main', 4, 30_000);
    expect(done[3].text).toMatch(/^Pulled qwen2\.5:14b in \d+ s\. This chat now uses the model qwen2\.5:14b, from the next answer on\.$/);
    expect(ollama.models.has('qwen2.5:14b')).toBe(true);
    expect(bot.store.groupSettings('main').model).toBe('qwen2.5:14b');

    // The pull is a step of the group's history, with its own long timeout.
    const history = await bot.client.workflow.getHandle(groupWorkflowId('main')).fetchHistory();
    const pull = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pullModel')!.activityTaskScheduledEventAttributes!;
    expect(pull.input?.payloads?.length).toBe(1);
    expect(Number(pull.startToCloseTimeout?.seconds)).toBe(6 * 3600);
    ollama.pullMs = 0;
  });

  it('checks the pulled model can call tools', async () => {
    const { bot, ollama } = t;
    ollama.capabilities.set('tiny:1b', ['completion']);
    await bot.post('main', '/model tiny:1b');
    const replies = await bot.waitForReplies('local:main', 6);
    expect(replies[4].text).toMatch(/^Pulling tiny:1b into Ollama/);
    expect(replies[5].text).toMatch(/^Pulled tiny:1b in \d+ s\. The model tiny:1b cannot call tools .* so nothing changed/);
    expect(bot.store.groupSettings('main').model).toBe('qwen2.5:14b');
  });

  it('refuses a name the registry does not know, and a pull while offline, saying what to do', async () => {
    const { bot, ollama } = t;
    ollama.unknownToRegistry.add('nosuch:7b');
    await bot.post('main', '/model nosuch:7b');
    const unknown = await bot.waitForReplies('local:main', 8);
    expect(unknown[6].text).toMatch(/^Pulling nosuch:7b/);
    expect(unknown[7].text).toBe(
      'Could not pull nosuch:7b, so nothing changed: Ollama said "pull model manifest: file does not exist". ' +
        'Check the name and its tag (the models are listed at https://ollama.com/library, e.g. qwen2.5:7b), then send /model nosuch:7b again.',
    );

    ollama.pullError = 'pull model manifest: Get "https://registry.ollama.ai/v2/library/llama3.2/manifests/3b": dial tcp: lookup registry.ollama.ai: no such host';
    await bot.post('main', '/model llama3.2:3b');
    const offline = await bot.waitForReplies('local:main', 10);
    expect(offline[9].text).toMatch(/^Could not pull llama3\.2:3b, so nothing changed: Ollama said ".*no such host"\. This machine looks offline: pull it where there is internet access \(`ollama pull llama3\.2:3b`\) or import a GGUF file/);
    expect(offline[9].text).toMatch(/then send \/model llama3\.2:3b again\.$/);
    ollama.pullError = undefined;
    expect(bot.store.groupSettings('main').model).toBe('qwen2.5:14b');
  });
});
