// Ollama writes no headers until its first token, which a 7B model on a CPU with a long
// prompt reaches after more than Node fetch's fixed 300 s headers timeout. The client goes
// through an undici agent handed in, whose timeouts are OLLAMA_HTTP_TIMEOUT's (off by
// default: Temporal's timeouts bound a step). The stand-in withholds its headers past a small
// configured timeout, which only the agent handed in can enforce.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ollamaAgent, ollamaClient, silenceCode } from '../../activities/ollama-client.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import { loadConfig } from '../../lib/config.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { eventually } from '../support/eventually.js';
import { useTestBot } from '../support/test-bot.js';

const ask = { model: 'qwen2.5:7b', messages: [{ role: 'user', content: 'hi' }], stream: true as const };

describe('the Ollama client and its agent', () => {
  let ollama: OllamaStub;
  beforeAll(async () => {
    ollama = await new OllamaStub().start();
  });
  afterAll(async () => {
    await ollama?.close();
  });

  it("gives up on headers withheld past the agent's headers timeout, and the stand-in sees the client go away", async () => {
    ollama.setReplies({ content: 'too late', delayMs: 3000 });
    const aborted = ollama.aborted;
    const began = performance.now();
    const error = await ollamaClient(ollama.url, ollamaAgent(500)).chat(ask).then(
      () => undefined,
      (e: unknown) => e,
    );
    const ms = Math.round(performance.now() - began);
    console.log(`headers timeout 500 ms, headers withheld 3000 ms: failed after ${ms} ms (${silenceCode(error)})`);
    expect(silenceCode(error)).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(ms).toBeLessThan(2500);
    await eventually(() => ollama.aborted > aborted, { timeoutMs: 3000, what: 'the stand-in to see the client go away' });
  });

  it('with no timeout (0, the default) it waits for the headers however long they take', async () => {
    ollama.setReplies({ content: 'worth the wait', delayMs: 1500 });
    let text = '';
    for await (const part of await ollamaClient(ollama.url, ollamaAgent(0)).chat(ask)) text += part.message.content;
    expect(text).toBe('worth the wait');
  });

  it('OLLAMA_HTTP_TIMEOUT is off by default, a duration otherwise, and anything else is refused saying what it takes', () => {
    expect(loadConfig({}).OLLAMA_HTTP_TIMEOUT).toBe(0);
    expect(loadConfig({ OLLAMA_HTTP_TIMEOUT: '10m' }).OLLAMA_HTTP_TIMEOUT).toBe(600_000);
    expect(loadConfig({ OLLAMA_HTTP_TIMEOUT: 'off' }).OLLAMA_HTTP_TIMEOUT).toBe(0);
    expect(() => loadConfig({ OLLAMA_HTTP_TIMEOUT: 'soon' })).toThrow(/OLLAMA_HTTP_TIMEOUT="soon" is not valid: expected off, or a duration such as 10m/);
    expect(loadConfig({ OLLAMA_NUM_THREAD: '4' }).OLLAMA_NUM_THREAD).toBe(4);
    expect(() => loadConfig({ OLLAMA_NUM_THREAD: '0' })).toThrow(/OLLAMA_NUM_THREAD/);
  });
});

describe('a model step with OLLAMA_HTTP_TIMEOUT=1s', () => {
  const t = useTestBot({ env: { OLLAMA_HTTP_TIMEOUT: '1s' } });

  it('a first token later than it fails the attempt saying so (ModelSilent); the retry, answered in time, is the reply', async () => {
    t.ollama.setReplies({ content: 'never sent', delayMs: 4000 }, { content: 'in time' });
    const aborted = t.ollama.aborted;
    await t.bot.post('main', 'slow start', { id: 'silent-1' });
    const replies = await t.bot.waitForReplies('local:main', 1, 30_000);
    expect(replies.map((r) => r.text)).toEqual(['in time']);
    expect(t.ollama.aborted).toBeGreaterThan(aborted);
    // The retried attempt's start records why the one before it failed.
    const history = await t.bot.client.workflow.getHandle(turnWorkflowId('main', 'silent-1')).fetchHistory();
    const lastFailure = history.events?.map((e) => e.activityTaskStartedEventAttributes?.lastFailure).find(Boolean);
    console.log('the failed attempt:', lastFailure?.message);
    expect(lastFailure?.applicationFailureInfo?.type).toBe('ModelSilent');
    expect(lastFailure?.message).toContain('sent nothing for longer than OLLAMA_HTTP_TIMEOUT before its first token');
  });
});
