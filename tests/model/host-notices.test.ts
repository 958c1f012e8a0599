// BabyBot's own notices in a chat (a failed turn, "the model is not available, import a GGUF
// file") are the host's words to the person. Shown to the model as its own earlier replies,
// Qwen2.5-Coder 0.5B answered the next message with the offline notice, word for word, in 1
// of 10 tries: the newcomer asking "what are you?" after `babybot model import` was told the
// model is missing. The conversation a turn is given leaves them out; the model's own words
// (its replies, send_message, a file it sent) stay.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withoutTimeNote } from '../support/ollama-stub.js';
import { describe, expect, it } from 'vitest';
import { conversation } from '../../activities/turn-context.js';
import { HOST_NOTICE_KINDS, isHostNotice } from '../../contracts/delivery-keys.js';
import { Store } from '../../lib/store/store.js';

const at = () => new Date().toISOString();
const settings = { assistantName: 'Baby', groupsDir: os.tmpdir(), timeZone: 'UTC', contextMessages: 30 };

describe("BabyBot's notices in the model's conversation", () => {
  it('are left out; the model replies, sends and files stay, as the assistant', () => {
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'notices-')), 'babybot.db'));
    const said = (key: string, id: string, text: string) =>
      store.recordAssistantMessage(key, { chat: 'local:main', id, sender: 'assistant', text, timestamp: at() });
    const asked = (id: string, text: string) => store.insertMessage({ chat: 'local:main', id, sender: 'owner', senderName: 'Ann', text, timestamp: at() });

    said('notice:model-not-available:qwen2.5:7b', 'n1', 'The model qwen2.5:7b is not available in Ollama… `babybot model import FILE`');
    asked('u1', 'Hello! What are you?');
    said('failure:turn:main:u1:run1', 'f1', 'Sorry, I could not answer that: the model is not available…');
    said('reply:turn:main:u1:run2', 'r1', 'I am Baby, your assistant.');
    said('tool:turn:main:u1:run2:3:hash', 't1', 'A note sent with send_message');
    said('timeout:turn:main:u2:run1', 'x1', 'This turn ran past its bound…');
    said('terminated:turn:main:u3:run1', 'x2', 'This turn was terminated…');
    said('refused:group:main:run1:1', 'x3', 'Too many messages at once…');
    asked('u2', 'Thanks');

    expect(conversation(store, settings, 'local:main', []).map((m) => ({ ...m, content: withoutTimeNote(m.content) }))).toEqual([
      { role: 'user', content: 'Ann: Hello! What are you?' },
      { role: 'assistant', content: 'I am Baby, your assistant.' },
      { role: 'assistant', content: 'A note sent with send_message' },
      { role: 'user', content: 'Ann: Thanks' },
    ]);
    store.close();
  });

  it('are told by the kind of their delivery key', () => {
    for (const kind of HOST_NOTICE_KINDS) expect(isHostNotice(`${kind}:x:y`)).toBe(true);
    for (const key of ['reply:turn:main:1:r', 'tool:turn:main:1:r:2:h', 'file:turn:main:1:r:h', undefined, '', 'notices:x']) {
      expect(isHostNotice(key)).toBe(false);
    }
  });
});
