// Ollama reuses the KV cache of the longest prefix a new prompt shares with the last one
// (its runner keeps it per slot), and most templates put the tools right after the system
// prompt. So the system prompt holds only what stays the same between turns, and people's
// messages carry the time they were sent (when the conversation before them shows no time
// of that day, or one 5 minutes older): a group's next turn sends the previous turn's
// conversation byte for byte, then what is new.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversation, endingWithTime } from '../../activities/turn-context.js';
import { Store } from '../../lib/store/store.js';
import type { ChatRequestBody } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

const SENT = /\n\n\(sent \w+, \d+ \w+ \d{4} at \d\d:\d\d\)$/;

/** The request in the order a template renders it: system prompt, tools, then the messages. */
const rendered = (request: ChatRequestBody) =>
  [request.messages[0].content, JSON.stringify(request.tools ?? []), ...request.messages.slice(1).map((m) => `${m.role}\n${m.content}`)].join('\n');

describe('the prompt across turns', () => {
  const t = useTestBot();

  it("a group's next turn sends the previous turn's conversation byte for byte, then what is new; the first message shows its sent time", async () => {
    t.bot.store.addGroup({ folder: 'cache', jid: 'local:cache', name: 'cache', triggerWord: null, requiresTrigger: false, isMain: false });
    t.ollama.setScript(() => ({ content: 'noted' }));
    await t.bot.post('cache', 'first message', { id: 'cache-1' });
    await t.bot.waitForReplies('local:cache', 1);
    await t.bot.post('cache', 'second message', { id: 'cache-2' });
    await t.bot.waitForReplies('local:cache', 2);
    const [first, second] = t.ollama.requests.slice(-2);

    expect(second.messages[0]).toEqual(first.messages[0]);
    expect(JSON.stringify(second.tools)).toBe(JSON.stringify(first.tools));
    expect(first.messages[0].content).not.toMatch(/It is now|\(sent|\d{1,2}:\d{2}/);
    const people = second.messages.filter((m) => m.role === 'user').slice(1);
    expect(people.map((m) => m.content.replace(SENT, ''))).toEqual(['user: first message', 'user: second message']);
    // Seconds apart: the second shows no time of its own (the first's is not 5 minutes older).
    expect(people[0].content).toMatch(SENT);
    expect(people[1].content).toBe('user: second message');
    // The whole first prompt starts the second; the second adds the answer and the new message.
    expect(second.messages.slice(0, first.messages.length)).toEqual(first.messages);
    expect(second.messages.slice(first.messages.length)).toEqual([{ role: 'assistant', content: 'noted' }, people[1]]);
    const shared = rendered(first);
    console.log(`second turn: ${shared.length} of ${rendered(second).length} characters are the first turn's prompt`);
  });

  it('two groups share the system prompt and the tools byte for byte; what is a group\'s own opens the conversation as the host\'s note', async () => {
    for (const folder of ['alpha', 'bravo']) {
      t.bot.store.addGroup({ folder, jid: `local:${folder}`, name: `${folder} club`, triggerWord: null, requiresTrigger: false, isMain: false });
      fs.mkdirSync(path.join(t.bot.config.groupsDir, folder), { recursive: true });
      fs.writeFileSync(path.join(t.bot.config.groupsDir, folder, 'MEMORY.md'), `- ${folder} likes tea\n`);
    }
    t.ollama.setScript(() => ({ content: 'noted' }));
    await t.bot.post('alpha', 'hello', { id: 'alpha-1' });
    await t.bot.waitForReplies('local:alpha', 1);
    await t.bot.post('bravo', 'hello', { id: 'bravo-1' });
    await t.bot.waitForReplies('local:bravo', 1);
    const [alpha, bravo] = t.ollama.requests.slice(-2);

    expect(bravo.messages[0]).toEqual(alpha.messages[0]);
    expect(JSON.stringify(bravo.tools)).toBe(JSON.stringify(alpha.tools));
    for (const [request, folder] of [[alpha, 'alpha'], [bravo, 'bravo']] as const) {
      expect(request.messages[0].content).not.toMatch(/alpha|bravo/);
      expect(request.messages[1]).toEqual({
        role: 'user',
        content: `[host] This is the chat "${folder} club", a group chat: you may act only for this group.\n\n` +
          `What you remember about this chat (MEMORY.md):\n- ${folder} likes tea\n\nThis chat has no scheduled tasks.`,
      });
      expect(request.messages.at(-1)!.content).toMatch(/hello\n\n\(sent /);
    }
  });

  it("a person's message shows its sent time in the store's time zone when the times before it call for one; a task's prompt ends with the time now; a turn with nobody's message last gets the time as a note", () => {
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sent-')), 'babybot.db'));
    const now = new Date('2025-05-02T09:30:00Z');
    const settings = { assistantName: 'Baby', groupsDir: os.tmpdir(), timeZone: 'Europe/Paris', contextMessages: 10, now: () => now };
    const said = (id: string, text: string, timestamp: string) =>
      store.insertMessage({ chat: 'g@g.us', id, sender: '1@s.whatsapp.net', senderName: 'Ann', text, timestamp });
    said('m1', 'hi', '2025-05-01T22:15:00.000Z');
    const history = conversation(store, settings, 'g@g.us', []);
    expect(history).toEqual([{ role: 'user', content: `[member] Ann: hi\n\n(sent Friday, 2 May 2025 at 00:15)` }]);
    // Less than 5 minutes after the last time shown: none; 5 minutes: the clock; another day (in Paris): the date again.
    said('m2', 'b', '2025-05-01T22:19:59.000Z');
    said('m3', 'c', '2025-05-01T22:20:00.000Z');
    said('m4', 'd', '2025-05-01T22:24:00.000Z');
    said('m5', 'e', '2025-05-02T22:01:00.000Z');
    expect(conversation(store, settings, 'g@g.us', []).map((m) => m.content)).toEqual([
      '[member] Ann: hi\n\n(sent Friday, 2 May 2025 at 00:15)',
      '[member] Ann: b',
      '[member] Ann: c\n\n(sent 00:20)',
      '[member] Ann: d',
      '[member] Ann: e\n\n(sent Saturday, 3 May 2025 at 00:01)',
    ]);
    expect(endingWithTime(settings, history)).toEqual(history);
    const task = { taskId: 'g:1', prompt: 'water the plants', isolated: false };
    expect(conversation(store, settings, 'g@g.us', [], task).at(-1)!.content).toBe(
      '(Scheduled task g:1) water the plants\n\n(It is now Friday, 2 May 2025 at 11:30, Europe/Paris.)',
    );
    expect(conversation(store, settings, 'g@g.us', [], { ...task, isolated: true })).toEqual([
      { role: 'user', content: 'water the plants\n\n(It is now Friday, 2 May 2025 at 11:30, Europe/Paris.)' },
    ]);
    const answered = [...history, { role: 'assistant' as const, content: 'hello' }];
    expect(endingWithTime(settings, answered)).toEqual([...answered, { role: 'user', content: '(It is now Friday, 2 May 2025 at 11:30, Europe/Paris.)' }]);
    store.close();
  });

  it("a long chat's history window moves half its size at once, so the turns in between start with the previous turn's prompt", () => {
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'window-')), 'babybot.db'));
    const settings = { assistantName: 'Baby', groupsDir: os.tmpdir(), timeZone: 'UTC', contextMessages: 10 };
    const windows: string[][] = [];
    for (let n = 1; n <= 40; n++) {
      store.insertMessage({ chat: 'local:long', id: `m${n}`, sender: 'owner', senderName: 'Ann', text: `message ${n}`, timestamp: new Date().toISOString() });
      windows.push(conversation(store, settings, 'local:long', []).map((m) => m.content));
    }
    const moved: number[] = [];
    windows.forEach((window, i) => {
      // Written a moment apart: the window's first message shows the time, the rest none.
      expect(window.map((m) => m.includes('(sent '))).toEqual(window.map((_, n) => n === 0));
      expect(window.at(-1)).toMatch(new RegExp(`^Ann: message ${i + 1}`));
      expect(window.length).toBe(i < 10 ? i + 1 : Math.max(10, window.length));
      expect(window.length).toBeLessThan(15);
      const before = windows[i - 1];
      if (before && window[0] !== before[0]) moved.push(i + 1);
      else if (before) expect(window.slice(0, before.length)).toEqual(before);
    });
    // With CONTEXT_MESSAGES 10 the window starts anew at the 15th, 20th… message, not at each.
    expect(moved).toEqual([15, 20, 25, 30, 35, 40]);
    store.close();
  });
});
