// Attack: a member floods a group with long messages while a turn runs. Before, the group's
// signals, queue and next turn's input carried every full text: 60 messages of 20,000 CJK
// characters (60 KB each, 3.6 MB in all) made the next turn's start a 3.6 MB payload, which
// the server refused, failing the group's workflow task for ever: the group never answered
// again. Now the workflow carries references (ids and a 120-byte preview), a turn takes at most
// 20 of them, and the turn's context step reads the texts from the store, capped in bytes.
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { jsonBytes } from '../../contracts/bytes.js';
import { lastUserText } from '../support/ollama-stub.js';
import { useTestBot } from '../support/test-bot.js';

describe('a flood of long messages while a turn runs', () => {
  const t = useTestBot();

  it('leaves the group answering, with every payload far under Temporal limits', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstSeen!: () => void;
    const seen = new Promise<void>((resolve) => (firstSeen = resolve));
    t.ollama.setScript(async (request) => {
      const text = lastUserText(request);
      if (text.endsWith('first')) {
        firstSeen();
        await held;
      }
      return { content: `answer to ${text.length} characters` };
    });

    await t.bot.post('main', 'first');
    await seen;
    // The most the local API takes in one message: 20,000 characters, here 3 bytes each.
    const long = '漢'.repeat(20_000);
    const flood = 60;
    for (let i = 0; i < flood; i++) await t.bot.post('main', long, { id: `flood-${i}` });
    release();
    await t.bot.waitForReplies('local:main', 1 + Math.ceil(flood / 20), 60_000);
    await t.bot.groupIdle('main', 60_000);

    // The group still answers what comes after.
    await t.bot.post('main', 'still there?');
    const replies = await t.bot.waitForReplies('local:main', 2 + Math.ceil(flood / 20), 30_000);
    expect(replies.at(-1)?.text).toMatch(/^answer to \d+ characters$/);

    // No payload of the group's or its turns' grew with the texts.
    const history = await t.bot.client.workflow.getHandle('group:main').fetchHistory();
    // As the server stores them (payloads in base64): the size each event adds to the history.
    const events = (JSON.parse(historyToJSON(history)) as { events: object[] }).events;
    const biggest = Math.max(...events.map((e) => jsonBytes(e)));
    const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
    console.log(`flood: ${flood} × ${jsonBytes(long)} bytes posted; biggest group history event ${biggest} bytes; ${replies.length} replies`);
    expect(failedTasks).toBe(0);
    expect(biggest).toBeLessThan(64 * 1024);
  });
});
