// A minute of silence reads as broken: what the model wrote beside its first tool calls
// ("Let me note that") reaches the chat at once, as one interim message, while the tools and
// the next model step run. Once a turn, only a short text, sent once across retries.
import { describe, expect, it } from 'vitest';
import { deliver } from '../../activities/delivery.js';
import { OutboundRouter, type OutboundChannel } from '../../channel/outbound.js';
import { turnWorkflowId } from '../../contracts/ids.js';
import { lastUserText, type ChatRequestBody } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

const remember = (note: string) => ({ name: 'remember', arguments: { note } });

describe('an interim message', () => {
  const t = useTestBot();
  const chat = (folder: string) => {
    t.bot.store.addGroup({ folder, jid: `local:${folder}`, name: folder, triggerWord: null, requiresTrigger: false, isMain: false });
    return folder;
  };

  it('sends the words beside the first tool calls at once, then the answer; once a turn', async () => {
    // Step 1: words and a call; step 2: words and another call; step 3: the answer.
    t.ollama.setScript((request: ChatRequestBody) => {
      const results = request.messages.filter((m) => m.role === 'tool').length;
      if (results === 0) return { content: 'Let me note that for you.', toolCalls: [remember('The owner likes tea.')] };
      if (results === 1) return { content: 'And one more note.', toolCalls: [remember('The owner likes jazz.')] };
      return { content: 'Noted both.' };
    });
    await t.bot.post(chat('notes'), 'remember tea and jazz', { id: 'interim-1' });
    const replies = await t.bot.waitForReplies('local:notes', 2);
    expect(replies.map((r) => r.text)).toEqual(['Let me note that for you.', 'Noted both.']);
    // It was in the chat before the model's second step was asked.
    const secondStep = t.ollama.requests.findLast((r) => r.messages.filter((m) => m.role === 'tool').length === 1)!;
    expect(secondStep.messages.some((m) => m.role === 'assistant' && m.content === 'Let me note that for you.')).toBe(true);
    const history = await t.bot.client.workflow.getHandle(turnWorkflowId('notes', 'interim-1')).fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.userMetadata?.summary?.data);
    expect(scheduled.filter((summary) => summary && Buffer.from(summary).toString().includes('interim message'))).toHaveLength(1);
  });

  it('is not sent for a call without words, nor for a long text (a draft, not progress)', async () => {
    t.ollama.setScript((request: ChatRequestBody) => {
      const results = request.messages.filter((m) => m.role === 'tool').length;
      const quiet = lastUserText(request).includes('quiet');
      if (results === 0) return { content: quiet ? '' : 'x'.repeat(700), toolCalls: [remember(quiet ? 'quiet' : 'long')] };
      return { content: 'Done.' };
    });
    await t.bot.post(chat('quiet'), 'quiet please', { id: 'quiet-1' });
    await t.bot.post(chat('long'), 'long words', { id: 'long-1' });
    expect((await t.bot.waitForReplies('local:quiet', 1)).map((r) => r.text)).toEqual(['Done.']);
    expect((await t.bot.waitForReplies('local:long', 1)).map((r) => r.text)).toEqual(['Done.']);
  });

  it('shows "typing…" again once it is sent, since the turn goes on; a final reply does not', async () => {
    const typing: [string, boolean][] = [];
    const channel: OutboundChannel = {
      name: 'recording',
      owns: (jid) => jid === 'local:typing',
      send: async () => {},
      setTyping: async (jid, on) => void typing.push([jid, on]),
    };
    chat('typing');
    const deps = { store: t.bot.store, outbound: new OutboundRouter([channel]), assistantName: 'Baby' };
    await deliver(deps, { key: 'interim:typing-test', chat: 'local:typing', text: 'Let me look.', interim: true });
    await deliver(deps, { key: 'reply:typing-test', chat: 'local:typing', text: 'Here it is.' });
    expect(typing).toEqual([['local:typing', true]]);
  });
});
