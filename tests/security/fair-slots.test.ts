// Issue 21, item 4: shared slots. Model steps of every group share MAX_CONCURRENT_MODEL_CALLS
// slots (here 1). Four stranger groups keep them busy; the owner writes in main while they
// wait. Main's step carries a higher Temporal task priority, so the next free slot is main's,
// however many strangers are queued. Real dev server (with the priority matcher on), real
// workers; the scripted model holds each request a while, as a real one does.
// Before: first come, first served: main's step waited behind every stranger's.
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
