// Ollama reuses the KV cache of the longest prefix a new prompt shares with the last one
// (its runner keeps it per slot), and most templates put the tools right after the system
// prompt. So the system prompt holds only what stays the same between turns, and the time
// ends the newest message: two consecutive turns of a group share every byte up to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversation, withTimeNote } from '../../activities/turn-context.js';
import { Store } from '../../lib/store/store.js';
import type { ChatRequestBody } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

const NOTE = /\n\n\(It is now [^\n]+, UTC\.\)$/;

/** The request in the order a template renders it: system prompt, tools, then the messages. */
const rendered = (request: ChatRequestBody) =>
  [request.messages[0].content, JSON.stringify(request.tools ?? []), ...request.messages.slice(1).map((m) => `${m.role}\n${m.content}`)].join('\n');

describe('the prompt across turns', () => {
  const t = useTestBot();

  it('two consecutive turns of a group share the system prompt, the tools and the history byte for byte; only the newest message carries the time', async () => {
    t.bot.store.addGroup({ folder: 'cache', jid: 'local:cache', name: 'cache', triggerWord: null, requiresTrigger: false, isMain: false });
    t.ollama.setScript(() => ({ content: 'noted' }));
    await t.bot.post('cache', 'first message', { id: 'cache-1' });
    await t.bot.waitForReplies('local:cache', 1);
    await t.bot.post('cache', 'second message', { id: 'cache-2' });
    await t.bot.waitForReplies('local:cache', 2);
    const [first, second] = t.ollama.requests.slice(-2);

    expect(second.messages[0]).toEqual(first.messages[0]);
    expect(JSON.stringify(second.tools)).toBe(JSON.stringify(first.tools));
    expect(first.messages[0].content).not.toMatch(/It is now|\d{1,2}:\d{2}/);
    for (const request of [first, second]) {
      expect(request.messages.at(-1)!.content).toMatch(NOTE);
      expect(request.messages.slice(0, -1).some((m) => m.content.includes('It is now'))).toBe(false);
    }
    // Everything the first turn sent before its time note starts the second turn's prompt.
    const before = rendered(first);
    const shared = before.slice(0, before.search(NOTE));
    const after = rendered(second);
    expect(after.startsWith(shared)).toBe(true);
    console.log(`second turn: ${shared.length} of ${after.length} characters are the first turn's prefix (${Math.round((shared.length / after.length) * 100)} %)`);
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
          `What you remember about this chat (MEMORY.md):\n- ${folder} likes tea`,
      });
      expect(request.messages.at(-1)!.content).toMatch(/hello\n\n\(It is now/);
    }
  });

  it('the note ends the newest message (a member keeps the tag it begins with), or is a message of its own', () => {
    const note = '(It is now Friday, 2 May 2025 at 09:30, UTC.)';
    const member = { role: 'user' as const, content: '[member 1@s.whatsapp.net] Ann: hi' };
    expect(withTimeNote([member], note)).toEqual([{ role: 'user', content: `${member.content}\n\n${note}` }]);
    const answered = [member, { role: 'assistant' as const, content: 'hello' }];
    expect(withTimeNote(answered, note)).toEqual([...answered, { role: 'user', content: note }]);
    expect(withTimeNote([], note)).toEqual([{ role: 'user', content: note }]);
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
      expect(window.at(-1)).toBe(`Ann: message ${i + 1}`);
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
