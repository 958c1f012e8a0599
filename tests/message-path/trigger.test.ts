import { WorkflowNotFoundError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { mentions } from '../../channel/inbound.js';

import { withoutTimeNote } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

describe('the trigger word outside the main chat', () => {
  const t = useTestBot();
  beforeAll(() => {
    t.bot.store.addGroup({ folder: 'family', jid: 'local:family', name: 'family', triggerWord: null, requiresTrigger: true, isMain: false });
  });

  it('recognises @Name as a whole word, in any case', () => {
    expect(mentions('@Baby hi', 'Baby')).toBe(true);
    expect(mentions('hey @baby, hi', 'Baby')).toBe(true);
    expect(mentions('hi @BABY', 'Baby')).toBe(true);
    expect(mentions('hi Baby', 'Baby')).toBe(false);
    expect(mentions('mail me@babyfood.com', 'Baby')).toBe(false);
    expect(mentions('@Babysitter wanted', 'Baby')).toBe(false);
  });

  it('a message without the trigger starts no turn but is context for the next triggered one', async () => {
    const quiet = await t.bot.post('family', 'the dentist is on Tuesday at 10', { sender: 'Ann' });
    expect(quiet.triggered).toBe(false);

    const asked = await t.bot.post('family', '@baby when is the dentist?', { sender: 'Bob' });
    expect(asked.triggered).toBe(true);
    await t.bot.waitForReplies('local:family', 1);
    await t.bot.client.workflow.getHandle(`turn:family:${asked.id}`).result();
    await t.bot.groupIdle('family');
    // The group ran one turn, for the triggered message; the quiet one never had a turn of its own.
    await expect(t.bot.client.workflow.getHandle(`turn:family:${quiet.id}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(t.ollama.requests).toHaveLength(1);
    expect(t.bot.replies('local:family')).toHaveLength(1);
    const [hostNote, ...users] = t.ollama.requests[0].messages.filter((m) => m.role === 'user').map((m) => withoutTimeNote(m.content));
    expect(hostNote).toMatch(/^\[host\]/);
    expect(users).toEqual(['Ann: the dentist is on Tuesday at 10', 'Bob: @baby when is the dentist?']);
  });
});
