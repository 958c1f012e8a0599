// Telegram media through the shared path: a voice note downloaded through getFile and the
// file host, transcribed by the real whisper model and answered; a photo reaching a vision
// model as `images`; send_file going back as a Telegram photo. grammY against the tests'
// own Bot API server; real Temporal, real SQLite, the model stubbed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioLength } from '../../channel/media/audio-length.js';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { photo, speech, whisperModel } from '../media/support.js';
import { eventually } from '../support/eventually.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { workflowResult } from '../support/workflow-result.js';
import { ALICE, BotApiStandIn, FAMILY, OWNER, ownerChat } from './support/bot-api-stand-in.js';
import { FAST_BACKOFF, telegramEnv } from './support/env.js';

const TRANSCRIBE_TIMEOUT = 600_000;
const MODEL = 'qwen2.5:7b';
const FAMILY_CHAT = `telegram:${FAMILY.id}`;
const OWNER_CHAT = `telegram:${OWNER.id}`;
const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000) => eventually(probe, { timeoutMs, what });

describe('Telegram media through a running BabyBot', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const api = new BotApiStandIn();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    // Before the first turn: a model step keeps what it read of the capabilities for a minute.
    ollama.capabilities.set(MODEL, ['completion', 'tools', 'vision']);
    await api.start();
    bot = await startTestBot({
      ollama,
      workflowBundle: await bundleWorkflows(),
      // A common word as the trigger: espeak-ng's "Baby" is heard as other words by tiny.en.
      env: telegramEnv(api, { WHISPER_MODEL: whisperModel(), ASSISTANT_NAME: 'Computer' }),
      ...FAST_BACKOFF,
    });
    await until('Telegram polling', async () => (await bot.health()).components.telegram?.ok);
    api.push({ chat: FAMILY, from: ALICE, text: 'hi' });
    await until('the group seen', () => bot.store.listChats().find((c) => c.jid === FAMILY_CHAT));
    registerGroup(bot.store, { jid: FAMILY_CHAT, folder: 'family', requiresTrigger: false });
  });
  afterAll(async () => {
    await bot?.stop();
    await ollama?.close();
    await api.close();
  });

  it('a voice note is fetched through getFile, transcribed on the media queue, and answered once', async () => {
    const { ogg } = speech('Computer, what is the capital of France?');
    api.addFile('VOICE1', ogg, 'voice/file_3.oga');
    const seconds = Math.round(audioLength(ogg)!.seconds);
    const { messageId } = api.push({ chat: FAMILY, from: ALICE, voice: { file_id: 'VOICE1', file_unique_id: 'uV1', duration: 3, mime_type: 'audio/ogg', file_size: ogg.length } });
    const id = String(messageId);
    await until('the voice note stored', () => bot.store.getMessage(FAMILY_CHAT, id));
    expect(bot.store.media(FAMILY_CHAT, id)).toMatchObject({ kind: 'voice', status: 'saved', path: `media/${id}.ogg`, bytes: ogg.length, seconds });
    expect(fs.readFileSync(path.join(bot.config.groupsDir, `family/media/${id}.ogg`)).equals(ogg)).toBe(true);
    const outcome = await workflowResult<{ triggered: boolean; text: string }>(bot.client, `voice:family:${id}`);
    expect(outcome.triggered, `heard: ${outcome.text}`).toBe(true);
    await until('the reply on Telegram', () => api.sentTo(FAMILY.id).length >= 1, TRANSCRIBE_TIMEOUT);
    await bot.groupIdle('family');
    expect(api.sentTo(FAMILY.id).map((m) => m.text)).toEqual([expect.stringMatching(new RegExp(`^echo: \\[member\\] Alice: \\[voice note 0:0\\d\\] .*capital of France`, 'i'))]);
  }, TRANSCRIBE_TIMEOUT);

  it('a photo reaches the vision model as an image, and send_file answers with a Telegram photo', async () => {
    const jpeg = await photo(800, 600);
    api.addFile('PHOTO2', jpeg, 'photos/file_9.jpg');
    const images: number[] = [];
    let sentPath = '';
    ollama.setScript((request) => {
      const last = [...request.messages].reverse().find((m) => m.role === 'user') as { images?: string[] };
      images.push(last.images?.length ?? 0);
      const saved = /\[photo: (media\/\d+\.jpg)\]/.exec(lastUserText(request))?.[1];
      if (!sentPath && saved) {
        sentPath = saved;
        return { toolCalls: [{ name: 'send_file', arguments: { path: saved, caption: 'your photo back' } }] };
      }
      return { content: 'a blue circle on orange' };
    });
    const sentBefore = api.sentTo(OWNER.id).length;
    const { messageId } = api.push({
      chat: ownerChat,
      from: OWNER,
      caption: 'what is this?',
      photo: [
        { file_id: 'THUMB', file_unique_id: 'uT', width: 90, height: 67, file_size: 1500 },
        { file_id: 'PHOTO2', file_unique_id: 'uP2', width: 800, height: 600, file_size: jpeg.length },
      ],
    });
    await until('the answer', () => api.sentTo(OWNER.id).length > sentBefore);
    await bot.groupIdle('telegram-main');
    // The largest size within MEDIA_MAX_BYTES was fetched, and the model saw it.
    expect(api.fileRequests.at(-1)).toBe('photos/file_9.jpg');
    expect(sentPath).toBe(`media/${messageId}.jpg`);
    expect(images[0]).toBe(1);
    expect(api.filesSent).toEqual([{ method: 'sendPhoto', chatId: String(OWNER.id) }]);
    expect(api.sentTo(OWNER.id).slice(sentBefore).map((m) => m.text)).toEqual(['a blue circle on orange']);
    expect(bot.replies(OWNER_CHAT).map((r) => r.text)).toContain('a blue circle on orange');
  });
});
