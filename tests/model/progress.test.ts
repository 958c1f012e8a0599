// A model step on a CPU reads the prompt for a minute before its first word: the web chat's
// event stream says what the turn is doing (the step, the model's phase and tokens, from the
// step's heartbeats), and says when it is done, so the page never sits silent.
import { describe, expect, it } from 'vitest';
import { useTestBot } from '../support/test-bot.js';

interface Progress {
  turn?: string;
  step?: string;
  phase?: string;
  tokens?: number;
  promptTokens?: number;
  elapsedMs?: number;
}

describe('progress in the web chat', () => {
  const t = useTestBot();

  it('streams the running step, its phase and tokens while the model reads, and an empty event when the turn is done', async () => {
    t.bot.store.addGroup({ folder: 'slow', jid: 'local:slow', name: 'slow', triggerWord: null, requiresTrigger: false, isMain: false });
    // 6 s before the first token (a long prompt on a CPU), then the answer in pieces.
    t.ollama.setReplies({ content: 'here is a long answer, written slowly, piece after piece, ok', delayMs: 6000, pieceDelayMs: 1000 });
    const controller = new AbortController();
    const events = await fetch(`${t.bot.httpUrl}/api/events?chat=slow`, { signal: controller.signal, headers: t.bot.auth });
    const progress: Progress[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk);
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (block.startsWith('event: progress') && data) progress.push(JSON.parse(data) as Progress);
        }
        if (progress.some((p) => p.turn) && progress.at(-1)?.turn === undefined) return;
      }
    })();
    await t.bot.post('slow', 'take your time', { id: 'slow-progress' });
    await t.bot.waitForReplies('local:slow', 1, 30_000);
    await reading;
    controller.abort();
    console.log('progress events:', progress.map((p) => JSON.stringify(p)).join('\n  '));
    const during = progress.filter((p) => p.turn);
    expect(during.every((p) => p.turn === 'turn:slow:slow-progress')).toBe(true);
    // Reading the prompt (or loading), with the prompt's estimated size and the time so far.
    const read = during.find((p) => p.step === 'chat' && p.phase === 'reading prompt' && p.promptTokens);
    expect(read).toMatchObject({ step: 'chat', tokens: 0 });
    expect(read!.promptTokens).toBeGreaterThan(100);
    expect(during.some((p) => (p.elapsedMs ?? 0) >= 4000)).toBe(true);
    // Then writing, with the tokens written so far.
    expect(during.some((p) => p.phase === 'writing' && (p.tokens ?? 0) > 0)).toBe(true);
    // And once done, an empty event clears the line.
    expect(progress.at(-1)).toEqual({});
  });
});
