// A group's swarm cannot starve main (issue 21's fair share, for sub-agents): two stranger
// groups each start two sub-agents, whose model steps fill the one model slot and wait for
// it; the owner writes in main meanwhile. Sub-agents' steps carry their group's priority, so
// the next free slot is main's, before the strangers' sub-agents that waited longer.
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { lastUserText, withoutTimeNote, type ChatRequestBody } from '../support/ollama-stub.js';
import { useHostileBot } from '../security/support.js';

const STRANGERS = ['s1', 's2'];
const isSubAgent = (request: ChatRequestBody) => request.messages[1]?.content.includes('You are a sub-agent') ?? false;

describe("strangers' swarms saturating the model slot", () => {
  const t = useHostileBot({ env: { MAX_CONCURRENT_MODEL_CALLS: '1' } });

  beforeAll(() => {
    for (const folder of STRANGERS) {
      t.bot.store.addGroup({ folder, jid: `local:${folder}`, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
    }
    t.ollama.setScript((request: ChatRequestBody) => {
      const last = request.messages.at(-1)!;
      if (isSubAgent(request)) return { content: `done ${last.content}`, delayMs: 1500 };
      if (last.role === 'tool') return { content: 'all done' };
      const text = withoutTimeNote(lastUserText(request)).replace(/^[^:]*: /, '');
      if (text.startsWith('swarm')) return { toolCalls: [{ name: 'delegate', arguments: { tasks: [1, 2].map((n) => ({ brief: `${text} part ${n}` })) } }] };
      return { content: `answer: ${text}` };
    });
  });

  it("serve main's waiting step next", async () => {
    const asked = () => t.ollama.requests.map((r) => (isSubAgent(r) ? r.messages.at(-1)!.content : withoutTimeNote(lastUserText(r)).replace(/^[^:]*: /, '')));
    for (const folder of STRANGERS) await t.bot.post(folder, `swarm ${folder}`);
    // Four sub-agent steps: one holds the only slot, three wait for it; then the owner writes.
    await eventually(() => asked().filter((a) => a.includes(' part ')).length >= 1, { timeoutMs: 30_000, what: 'the first sub-agent step' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await t.bot.post('main', 'owner here');
    await t.bot.waitForReplies('local:main', 1, 60_000);
    for (const folder of STRANGERS) await t.bot.waitForReplies(`local:${folder}`, 1, 60_000);
    const order = asked();
    const firstPart = order.findIndex((a) => a.includes(' part '));
    // The sub-agent in the slot finishes; the next slot is main's, before the strangers' sub-agents that waited longer.
    expect(order[firstPart + 1]).toBe('owner here');
    expect(order.filter((a) => a.includes(' part '))).toHaveLength(4);
  });
});
