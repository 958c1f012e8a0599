// A model step that outlives MODEL_TIMEOUT: Temporal times it out, the worker hears of it in
// the answer to its next heartbeat, and the step aborts its request, so Ollama does not
// go on working for a step nobody waits for (each retry is a fresh request, never two at once).
import { describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import { eventually } from '../support/eventually.js';
import { useTestBot } from '../support/test-bot.js';

describe('a model step that times out', () => {
  const t = useTestBot({ env: { MODEL_TIMEOUT: '4s' } });

  it('aborts its request to Ollama, and the retry is the only request in flight', async () => {
    t.ollama.setScript(() => ({ content: 'too late', delayMs: 60_000 }));
    await t.bot.post('main', 'slow one', { id: 'timeout-1' });
    const began = performance.now();
    await eventually(() => t.ollama.aborted >= 1, { timeoutMs: 20_000, what: 'the timed-out request to be aborted' });
    console.log(`first request aborted ${Math.round(performance.now() - began)} ms after the post (MODEL_TIMEOUT 4s)`);
    await eventually(() => t.ollama.requests.length >= 2, { timeoutMs: 20_000, what: 'the retry' });
    expect(t.ollama.maxInFlight).toBe(1);
    await t.bot.client.workflow.getHandle(turnWorkflowId('main', 'timeout-1')).cancel();
  });
});
