// Issue 21, item 4: shared slots. Model steps of every group share MAX_CONCURRENT_MODEL_CALLS
// slots (here 1). Four stranger groups keep them busy; the owner writes in main while they
// wait. Main's step carries a higher Temporal task priority, so the next free slot is main's,
// however many strangers are queued. Real dev server (with the priority matcher on), real
// workers; the scripted model holds each request a while, as a real one does.
// The same for the sandbox slots (MAX_CONCURRENT_SANDBOXES=1), with the real engine and image.
// Before: first come, first served: main's step waited behind the strangers' queued steps.
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { lastUserText, withoutTimeNote, type ChatRequestBody } from '../support/ollama-stub.js';
import { useHostileBot } from './support.js';

const STRANGERS = ['s1', 's2', 's3', 's4'];

describe('model slots saturated by strangers', () => {
  const t = useHostileBot({ env: { MAX_CONCURRENT_MODEL_CALLS: '1' } });

  beforeAll(() => {
    for (const folder of STRANGERS) {
      t.bot.store.addGroup({ folder, jid: `local:${folder}`, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    t.ollama.setScript((request: ChatRequestBody) => ({ content: `answer: ${withoutTimeNote(lastUserText(request))}`, delayMs: 1500 }));
  });

  it("serve main's waiting step next", async () => {
    const asked = () => t.ollama.requests.map((r) => withoutTimeNote(lastUserText(r)).replace(/^[^:]*: /, ''));
    for (const folder of STRANGERS) await t.bot.post(folder, `busy ${folder}`);
    // One stranger's step holds the only slot and the other three wait for it; then the owner writes.
    await eventually(() => asked().length >= 1, { timeoutMs: 30_000, what: 'the first stranger step' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await t.bot.post('main', 'owner here');
    for (const folder of STRANGERS) await t.bot.waitForReplies(`local:${folder}`, 1, 60_000);
    await t.bot.waitForReplies('local:main', 1, 60_000);
    const order = asked();
    expect(order).toHaveLength(5);
    // The stranger in the slot finishes; the next slot is main's, before the three that waited longer.
    expect(order[1]).toBe('owner here');
  });
});

describe('sandbox slots saturated by strangers', () => {
  const t = useHostileBot({ docker: true, env: { MAX_CONCURRENT_SANDBOXES: '1' } });

  beforeAll(() => {
    for (const folder of STRANGERS) {
      t.bot.store.addGroup({ folder, jid: `local:${folder}`, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    // Every message asks for one command that names its chat and takes a while; its result is the reply.
    t.ollama.setScript((request: ChatRequestBody) => {
      const last = request.messages.at(-1)!;
      if (last.role === 'tool') return { content: `tool said: ${last.content}` };
      const who = /(busy \w+|owner here)/.exec(withoutTimeNote(last.content))?.[1] ?? 'unknown';
      return { toolCalls: [{ name: 'run_command', arguments: { command: `sleep 2; echo "${who}"` } }] };
    });
  });

  it("serve main's waiting step next", async () => {
    // The order the sandbox steps ended in: each tool result goes back to the model at once.
    const ended = () => t.ollama.requests.map((r) => r.messages.at(-1)!).filter((m) => m.role === 'tool').map((m) => /stdout:\n(.*)/.exec(m.content)?.[1]);
    const first = t.ollama.requests.length;
    for (const folder of STRANGERS) await t.bot.post(folder, `busy ${folder}`);
    // Wait until all four strangers asked for their command (one runs, three wait), then the owner writes.
    await eventually(() => t.ollama.requests.length >= first + STRANGERS.length, { timeoutMs: 30_000, what: 'the strangers asking' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await t.bot.post('main', 'owner here');
    for (const folder of STRANGERS) await t.bot.waitForReplies(`local:${folder}`, 1, 90_000);
    await t.bot.waitForReplies('local:main', 1, 90_000);
    const order = ended();
    expect(order).toHaveLength(5);
    expect(order[1]).toBe('owner here');
  });
});
