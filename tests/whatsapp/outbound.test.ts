import { describe, expect, it } from 'vitest';
import { partMessageId, splitForWhatsApp } from '../../channel/whatsapp/split.js';
import { startAdapter, settle } from './support/adapter.js';
import { OWNER_JID } from './support/fake-whatsapp.js';
import { ManualClock } from './support/manual-clock.js';

describe('WhatsApp outbound', () => {
  it('splits long replies at paragraphs, then sentences, never past the limit', () => {
    const para = (n: number) => `${'word '.repeat(n).trim()}.`;
    const text = [para(300), para(300), para(300), para(300)].join('\n\n');
    const parts = splitForWhatsApp(text, 4000);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 4000)).toBe(true);
    expect(parts.join('\n\n')).toBe(text);
    const oneParagraph = Array.from({ length: 200 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const sentences = splitForWhatsApp(oneParagraph, 1000);
    expect(sentences.every((p) => p.endsWith('.') && p.length <= 1000)).toBe(true);
    expect(splitForWhatsApp('short')).toEqual(['short']);
  });

  it('sends each part under its derived id; a retry after a drop mid-reply sends only the missing parts', async () => {
    const { whatsapp, channel } = startAdapter();
    (await whatsapp.socketCount(1)).open();
    const text = Array.from({ length: 3 }, (_, i) => `Part ${i}: ${'x'.repeat(3000)}`).join('\n\n');
    whatsapp.current.sent.length = 0;
    // The second part fails as the connection drops.
    const socket = whatsapp.current;
    const original = socket.sendMessage.bind(socket);
    let calls = 0;
    socket.sendMessage = async (jid, content, options) => {
      if (++calls === 2) throw Object.assign(new Error('Connection Closed'), { output: { statusCode: 428 } });
      return original(jid, content, options);
    };
    await expect(channel.send(OWNER_JID, text, 'BB00000000000000AB12')).rejects.toMatchObject({ type: 'WhatsAppSendFailed', nonRetryable: false });
    await channel.send(OWNER_JID, text, 'BB00000000000000AB12');
    expect(socket.sent.map((s) => s.messageId)).toEqual(['BB00000000000000AB12', 'BB00000000000000AB12P2', 'BB00000000000000AB12P3']);
    expect(socket.sent.map((s) => s.text.slice(0, 7))).toEqual(['Part 0:', 'Part 1:', 'Part 2:']);
    expect(partMessageId('BB1', 2)).toBe('BB1P3');
    // A retry of the whole delivery sends nothing again.
    await channel.send(OWNER_JID, text, 'BB00000000000000AB12');
    expect(socket.sent).toHaveLength(3);
    await channel.stop();
  });

  it('shows typing while a turn runs and clears it with the reply; silent while disconnected', async () => {
    const { whatsapp, channel } = startAdapter();
    (await whatsapp.socketCount(1)).open();
    await channel.setTyping(OWNER_JID, true);
    await channel.send(OWNER_JID, 'done', 'BB0000000000000000C1');
    await settle();
    expect(whatsapp.current.presence).toEqual([
      { type: 'composing', jid: OWNER_JID },
      { type: 'paused', jid: OWNER_JID },
    ]);
    whatsapp.current.close(408);
    await expect(channel.setTyping(OWNER_JID, true)).resolves.toBeUndefined();
    await channel.stop();
  });

  it('keeps "typing…" alive for the whole turn (WhatsApp drops it after seconds), until the reply or a bound', async () => {
    const clock = new ManualClock();
    const { whatsapp, channel } = startAdapter({ clock });
    (await whatsapp.socketCount(1)).open();
    await settle();
    clock.timers = [];
    const presence = () => whatsapp.current.presence.map((p) => p.type);
    await channel.setTyping(OWNER_JID, true);
    // A model step reading its prompt for a minute: the presence is sent again every 8 s.
    const delays = [clock.runNext(), clock.runNext(), clock.runNext()];
    await settle();
    expect(delays).toEqual([8000, 8000, 8000]);
    expect(presence()).toEqual(['composing', 'composing', 'composing', 'composing']);
    // The reply clears it, and nothing sends it again.
    whatsapp.current.presence.length = 0;
    await channel.setTyping(OWNER_JID, false);
    expect(clock.timers).toHaveLength(0);
    expect(presence()).toEqual(['paused']);
    // A turn that never answers: typing stops by itself after 15 minutes.
    whatsapp.current.presence.length = 0;
    await channel.setTyping(OWNER_JID, true);
    let refreshes = 0;
    while (clock.timers.length) {
      clock.runNext();
      refreshes++;
    }
    await settle();
    expect(refreshes).toBe(Math.ceil((15 * 60_000) / 8000));
    expect(presence().at(-1)).toBe('paused');
    await channel.stop();
  });
});
