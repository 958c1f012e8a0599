// What a stranger's media message claims about itself (its length, its size) and how much
// media a group may bring in. A running BabyBot (real Temporal, real SQLite, the product's
// Baileys downloader fetching from the test's stand-in of WhatsApp's media host, whisper.cpp
// with a real model on the media queue) gets real voice notes (espeak-ng, opusenc) and
// photos: the length everyone reads is the file's own, a note longer than VOICE_MAX_SECONDS
// is never decoded, a group's voice notes that cannot call the assistant are never
// transcribed, and a group past its hourly rate or daily quota is refused before anything
// is downloaded; main has no allowance.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioLength } from '../../channel/media/audio-length.js';
import { NOT_FOR_THE_ASSISTANT } from '../../channel/inbound.js';
import { sizeText } from '../../channel/media/media-text.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from '../support/eventually.js';
import { workflowResult } from '../support/workflow-result.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { photo, speech, whisperModel } from '../media/support.js';
import { linkedInstallation } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message } from '../whatsapp/support/fake-whatsapp.js';
import { FakeMediaServer } from '../whatsapp/support/media-server.js';

const OPEN = '120363000000000051@g.us'; // answers every message
const TRIGGERED = '120363000000000052@g.us'; // answers only @Baby
const BUSY = '120363000000000053@g.us';
const EVE = '447700900666@s.whatsapp.net';

/** The same Ogg file with every page's granule position rewritten to `value`: a file that lies about its length. */
function withGranules(ogg: Buffer, value: bigint): Buffer {
  const out = Buffer.from(ogg);
  for (let at = out.indexOf('OggS'); at >= 0; at = out.indexOf('OggS', at + 4)) out.writeBigInt64LE(value, at + 6);
  return out;
}

describe("media claims and a group's media allowance", () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const whatsapp = new FakeWhatsApp();
  const media = new FakeMediaServer();

  beforeAll(async () => {
    await media.start();
    ollama = await new OllamaStub().start();
    bot = await startTestBot({
      ollama,
      dir: linkedInstallation('babybot-media-claims-'),
      workflowBundle: await bundleWorkflows(),
      env: {
        WHATSAPP_ENABLED: 'auto',
        WHISPER_MODEL: whisperModel(),
        VOICE_MAX_SECONDS: '2',
        MEDIA_GROUP_RATE: '3',
        MEDIA_GROUP_QUOTA: '100k',
        ASSISTANT_NAME: 'Baby',
      },
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 300, maxMs: 1000 }, mediaOrigins: [media.origin] },
    });
    (await whatsapp.socketCount(1)).open();
    bot.store.addGroup({ folder: 'open', jid: OPEN, name: 'Open', triggerWord: null, requiresTrigger: false, isMain: false });
    bot.store.addGroup({ folder: 'triggered', jid: TRIGGERED, name: 'Triggered', triggerWord: null, requiresTrigger: true, isMain: false });
    bot.store.addGroup({ folder: 'busy', jid: BUSY, name: 'Busy', triggerWord: null, requiresTrigger: false, isMain: false });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    await media.close();
  });

  const stored = (chat: string, id: string, timeoutMs = 20_000) =>
    eventually(() => bot.store.getMessage(chat, id), { timeoutMs, what: `message ${id} stored` });

  it("reads a voice note's length from its bytes, also when its pages lie, and never decodes one over VOICE_MAX_SECONDS", async () => {
    const { ogg } = speech('Please buy milk, bread, eggs and some butter tomorrow morning.');
    const real = audioLength(ogg)!;
    expect(real.format).toBe('ogg-opus');
    expect(real.seconds).toBeGreaterThan(2.5);
    // Granules that claim almost nothing: the packets still say how much audio there is.
    expect(audioLength(withGranules(ogg, 1n))!.seconds).toBeCloseTo(real.seconds, 0);

    const uploaded = await media.upload(ogg, 'audio');
    // The sender claims one second.
    whatsapp.current.deliver([
      message({ remoteJid: OPEN, id: 'LONGVOICE', participant: EVE }, { audioMessage: { ...uploaded, ptt: true, seconds: 1, mimetype: 'audio/ogg; codecs=opus' } }, { pushName: 'Eve' }),
    ]);
    const clock = `0:0${Math.round(real.seconds)}`;
    expect((await stored(OPEN, 'LONGVOICE')).text).toBe(`[voice note ${clock}, transcribing…]`);
    expect(bot.store.media(OPEN, 'LONGVOICE')).toMatchObject({ seconds: Math.round(real.seconds) });
    const outcome = await workflowResult<{ text: string }>(bot.client, 'voice:open:LONGVOICE');
    expect(outcome.text).toBe(`[voice note ${clock}, not transcribed: it is ${clock} long, over the 0:02 limit (VOICE_MAX_SECONDS)]`);
    expect(bot.store.media(OPEN, 'LONGVOICE')?.language).toBeUndefined();
  });

  it('never transcribes a voice note that cannot call the assistant', async () => {
    const { ogg } = speech('Baby, tell me a joke.');
    const uploaded = await media.upload(ogg, 'audio');
    whatsapp.current.deliver([
      message({ remoteJid: TRIGGERED, id: 'CHATTER', participant: EVE }, { audioMessage: { ...uploaded, ptt: true, mimetype: 'audio/ogg; codecs=opus' } }, { pushName: 'Eve' }),
    ]);
    const note = await stored(TRIGGERED, 'CHATTER');
    expect(note.text).toMatch(new RegExp(`^\\[voice note 0:0\\d, not transcribed: ${NOT_FOR_THE_ASSISTANT}\\]$`));
    expect(note.handoff).toBe('none');
    // Saved as context, but no voice-note workflow was started for it.
    expect(fs.existsSync(`${bot.config.groupsDir}/triggered/media/CHATTER.ogg`)).toBe(true);
    await expect(bot.client.workflow.getHandle('voice:triggered:CHATTER').describe()).rejects.toThrow(/not found/i);
  });

  it('refuses files past the daily quota (by the declared size) and the hourly rate, before downloading them', async () => {
    const jpeg = await photo(64, 48);
    const big = await media.upload(jpeg, 'image');
    // A claim of 200 KB against a 100 KB quota: refused without a request.
    whatsapp.current.deliver([
      message({ remoteJid: BUSY, id: 'QUOTA', participant: EVE }, { imageMessage: { ...big, fileLength: 200 * 1024, mimetype: 'image/jpeg' } }, { pushName: 'Eve' }),
    ]);
    expect((await stored(BUSY, 'QUOTA')).text).toBe("[photo, 200 KB, not saved: this group's files of the last 24 hours would pass its 100 KB (MEDIA_GROUP_QUOTA)]");
    expect(media.requests).not.toContain(big.directPath);

    const uploads = await Promise.all([1, 2, 3, 4].map(() => media.upload(jpeg, 'image')));
    whatsapp.current.deliver(
      uploads.map((u, i) => message({ remoteJid: BUSY, id: `RATE${i + 1}`, participant: EVE }, { imageMessage: { ...u, mimetype: 'image/jpeg' } }, { pushName: 'Eve' })),
    );
    for (const id of ['RATE1', 'RATE2', 'RATE3']) expect((await stored(BUSY, id)).text).toBe(`[photo: media/${id}.jpg]`);
    expect((await stored(BUSY, 'RATE4')).text).toBe(
      `[photo, ${sizeText(uploads[3].fileLength)}, not saved: this group already sent 3 files in the last hour, its limit (MEDIA_GROUP_RATE)]`,
    );
    expect(media.requests).not.toContain(uploads[3].directPath);
    // Another group has its own allowance.
    const other = await media.upload(jpeg, 'image');
    whatsapp.current.deliver([message({ remoteJid: OPEN, id: 'OTHERGROUP', participant: EVE }, { imageMessage: { ...other, mimetype: 'image/jpeg' } }, { pushName: 'Eve' })]);
    expect((await stored(OPEN, 'OTHERGROUP')).text).toBe('[photo: media/OTHERGROUP.jpg]');
  });
});
