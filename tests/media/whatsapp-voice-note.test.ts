// A WhatsApp voice note through the whole of a running BabyBot: Baileys' own socket event
// (messages.upsert) carrying Baileys' own proto.WebMessageInfo with an audioMessage (ptt),
// its bytes fetched and decrypted by the product's downloader (Baileys' downloadContentFromMessage)
// from a stand-in of WhatsApp's media servers (named as the media host through the channel's deps), stored in real SQLite and the group's folder,
// transcribed by whisper.cpp with a real model on the `media` queue of the real Temporal
// server (voice:<folder>:<id>) since the group answers every message, the group's turn run
// (the model is the stand-in), and the reply sent on the fake socket. Only WhatsApp's
// servers (socket and media) and the model stand in.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioLength } from '../../channel/media/audio-length.js';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { workflowResult } from '../support/workflow-result.js';
import { linkedInstallation } from '../whatsapp/support/adapter.js';
import { FakeWhatsApp, message } from '../whatsapp/support/fake-whatsapp.js';
import { FakeMediaServer } from '../whatsapp/support/media-server.js';
import { speech, whisperModel } from './support.js';

const FAMILY = '120363000000000007@g.us';
const ALICE = '447700900002@s.whatsapp.net';
// Transcription is CPU-bound: on a shared 2-core machine under a full suite it takes minutes.
const TRANSCRIBE_TIMEOUT = 600_000;

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a WhatsApp voice note through a running BabyBot', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const whatsapp = new FakeWhatsApp();
  const mediaServer = new FakeMediaServer();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    await mediaServer.start();
    bot = await startTestBot({
      ollama,
      dir: linkedInstallation('babybot-wa-voice-'),
      workflowBundle: await bundleWorkflows(),
      // A common word as the trigger: espeak-ng's "Baby" is heard as other words by tiny.en.
      env: { WHATSAPP_ENABLED: 'auto', WHISPER_MODEL: whisperModel(), ASSISTANT_NAME: 'Computer' },
      // No download seam: the product's own Baileys downloader fetches from the media server.
      whatsapp: { socketFactory: whatsapp.factory, backoff: { baseMs: 300, maxMs: 1000 }, mediaOrigins: [mediaServer.origin] },
    });
    (await whatsapp.socketCount(1)).open();
    whatsapp.current.emit('groups.upsert', [{ id: FAMILY, subject: 'Family', participants: [] }]);
    await until('the group name', () => bot.store.listChats().find((c) => c.jid === FAMILY), 10_000);
    registerGroup(bot.store, { jid: FAMILY, folder: 'family', requiresTrigger: false });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    await mediaServer.close();
  });

  it('is downloaded and decrypted, transcribed on the media queue, and answered on WhatsApp', async () => {
    expect(bot.store.groupByJid(FAMILY)).toMatchObject({ folder: 'family', requiresTrigger: false });
    const { ogg } = speech('Computer, what is the capital of France?');
    const uploaded = await mediaServer.upload(ogg, 'audio');
    // What everyone reads is the file's own length, not the sender's claim.
    const seconds = Math.round(audioLength(ogg)!.seconds);
    const clock = `0:0${seconds}`;
    const sentBefore = whatsapp.allSent.length;
    whatsapp.current.deliver([
      message(
        { remoteJid: FAMILY, id: '3EB0VOICE0000001', participant: ALICE },
        { audioMessage: { ...uploaded, ptt: true, seconds: 3, mimetype: 'audio/ogg; codecs=opus' } },
        { pushName: 'Alice' },
      ),
    ]);

    // Stored at once with the placeholder; the decrypted bytes are the clip, in the group's folder.
    const stored = await until('the voice note stored', () => bot.store.getMessage(FAMILY, '3EB0VOICE0000001'), 30_000);
    expect(stored.text).toBe(`[voice note ${clock}, transcribing…]`);
    expect(mediaServer.requests).toEqual([uploaded.directPath]);
    expect(bot.store.media(FAMILY, '3EB0VOICE0000001')).toMatchObject({ kind: 'voice', status: 'saved', path: 'media/3EB0VOICE0000001.ogg', bytes: ogg.length, seconds });
    expect(fs.readFileSync(path.join(bot.config.groupsDir, 'family/media/3EB0VOICE0000001.ogg')).equals(ogg)).toBe(true);

    // The voice-note workflow on the real Temporal server: transcribed, then the trigger found in the words.
    const outcome = await workflowResult<{ triggered: boolean; text: string }>(bot.client, 'voice:family:3EB0VOICE0000001');
    expect(outcome.triggered, `heard: ${outcome.text}`).toBe(true);
    expect(outcome.text).toMatch(new RegExp(`^\\[voice note ${clock}\\] .*capital of france`, 'i'));
    expect(bot.store.media(FAMILY, '3EB0VOICE0000001')).toMatchObject({ language: 'en', transcript: expect.stringMatching(/capital of France/i) });

    // The group's turn reads the words, and its reply goes out on the WhatsApp socket, once.
    const sent = await until('the reply on WhatsApp', () => whatsapp.allSent.length > sentBefore && whatsapp.allSent.slice(sentBefore), TRANSCRIBE_TIMEOUT);
    const turn = ollama.requests.at(-1)!;
    expect(lastUserText(turn)).toMatch(new RegExp(`^\\[member\\] Alice: \\[voice note ${clock}\\] .*capital of France`, 'i'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(whatsapp.allSent.slice(sentBefore)).toEqual([{ jid: FAMILY, text: `echo: ${lastUserText(turn)}`, messageId: expect.stringMatching(/^BB/) }]);
    expect(sent[0].text.toLowerCase()).toMatch(/capital of france/);
    expect(bot.replies(FAMILY)).toHaveLength(1);
  }, TRANSCRIBE_TIMEOUT);
});
