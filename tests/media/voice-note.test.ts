// Voice notes, end to end, with real parts: speech spoken by espeak-ng, sent through the web
// chat's upload (the same inbound path WhatsApp's messages take), transcribed by whisper.cpp
// with a real tiny.en model on the `media` queue of a real Temporal server, then answered
// by a turn whose model (the stand-in) reads "[voice note 0:0N] <the words>".
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createMediaActivities } from '../../activities/media/transcribe.js';
import { audioLength } from '../../channel/media/audio-length.js';
import type { Transcription } from '../../contracts/activities.js';
import { WHISPER_HINT_KEY } from '../../activities/media/voice-note-done.js';
import { createLogger } from '../../lib/logger.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, useTestBot, type TestBot } from '../support/test-bot.js';
import { workflowResult } from '../support/workflow-result.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { speech, whisperModel } from './support.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Transcription is CPU-bound: on a shared 2-core machine under a full suite it takes minutes.
const TRANSCRIBE_TIMEOUT = 600_000;

export async function postVoice(bot: TestBot, chat: string, ogg: Buffer, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${bot.httpUrl}/api/media`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.httpToken}` },
    body: JSON.stringify({ chat, kind: 'voice', fileName: 'voice.ogg', mime: 'audio/ogg', data: ogg.toString('base64'), ...extra }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as { id: string; text: string; triggered: boolean };
}

async function voiceResult(bot: TestBot, folder: string, id: string) {
  return workflowResult<{ triggered: boolean; text: string }>(bot.client, `voice:${folder}:${id}`);
}

describe('voice notes', () => {
  const t = useTestBot({ env: { WHISPER_MODEL: whisperModel(), ASSISTANT_NAME: 'Baby' } });

  it('a real transcription: the transcript has the spoken words, with the language and the real-time factor', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-whisper-'));
    fs.mkdirSync(path.join(dir, 'g/media'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'g/media/v.ogg'), speech().ogg);
    const activities = createMediaActivities({ groupsDir: dir, whisperModel: whisperModel(), threads: 2, maxBytes: 1e7, maxSeconds: 600, log: createLogger('silent') });
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result: Transcription = await env.run(activities.transcribeVoiceNote, { folder: 'g', path: 'media/v.ogg' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.transcript.toLowerCase()).toMatch(/milk and bread/);
    expect(result).toMatchObject({ language: 'en', format: 'ogg-opus' });
    expect(result.audioSeconds).toBeGreaterThan(2);
    expect(result.realTimeFactor).toBeGreaterThan(0);
    expect(beats.length).toBeGreaterThan(0);
    console.log(`transcribed ${result.audioSeconds}s of speech in ${result.durationMs}ms (real-time factor ${result.realTimeFactor}): ${result.transcript}`);
  }, TRANSCRIBE_TIMEOUT);

  it('in the main chat: transcribed on the media queue, then the turn reads "[voice note 0:0N] <words>"', async () => {
    const { bot, ollama } = t;
    // The length the sender claims (6.4 s) gives way to the file's own.
    const { ogg } = speech();
    const clock = `0:0${Math.round(audioLength(ogg)!.seconds)}`;
    const posted = await postVoice(bot, 'main', ogg, { seconds: 6.4 });
    expect(posted.text).toBe(`[voice note ${clock}, transcribing…]`);
    const replies = await bot.waitForReplies('local:main', 1, TRANSCRIBE_TIMEOUT);
    expect(replies[0].text.toLowerCase()).toMatch(new RegExp(`^echo: user: \\[voice note ${clock}\\] .*milk and bread`));
    expect(lastUserText(ollama.requests.at(-1)!)).toContain(`[voice note ${clock}] `);
    expect(bot.store.getMessage('local:main', posted.id)!.text).toMatch(new RegExp(`^\\[voice note ${clock}\\] .*milk and bread`, 'i'));
    expect(bot.store.media('local:main', posted.id)).toMatchObject({ kind: 'voice', language: 'en' });
    expect(await voiceResult(bot, 'main', posted.id)).toMatchObject({ triggered: true });
  }, TRANSCRIBE_TIMEOUT);

  it('in a group with a trigger word: a note without the trigger is context only and never transcribed; one whose caption calls is', async () => {
    const { bot } = t;
    bot.store.upsertChat({ jid: 'local:family', name: 'family', channel: 'local' });
    bot.store.addGroup({ folder: 'family', jid: 'local:family', name: 'family', triggerWord: 'Computer', requiresTrigger: true, isMain: false });
    const quiet = await postVoice(bot, 'family', speech('This is just a note for later.').ogg);
    expect(quiet.triggered).toBe(false);
    expect(bot.store.getMessage('local:family', quiet.id)).toMatchObject({ handoff: 'none', text: expect.stringMatching(/, not transcribed: only voice notes that call the assistant are transcribed\]$/) });
    await expect(bot.client.workflow.getHandle(`voice:family:${quiet.id}`).describe()).rejects.toThrow(/not found/i);
    const called = await postVoice(bot, 'family', speech('What is the capital of France?').ogg, { caption: '@Computer' });
    const outcome = await voiceResult(bot, 'family', called.id);
    expect(outcome.triggered, `heard: ${outcome.text}`).toBe(true);
    const replies = await bot.waitForReplies('local:family', 1, TRANSCRIBE_TIMEOUT);
    expect(replies[0].text.toLowerCase()).toMatch(/capital of france/);
    expect(bot.replies('local:family')).toHaveLength(1);
  }, 2 * TRANSCRIBE_TIMEOUT);
});

describe('voice notes without a speech model', () => {
  it('arrive as a placeholder, the turn still runs, and the owner is told once how to enable transcription', async () => {
    const ollama = await new OllamaStub().start();
    const bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows() });
    try {
      const first = await postVoice(bot, 'main', speech('hello').ogg, { seconds: 2 });
      const second = await postVoice(bot, 'main', speech('again').ogg, { seconds: 1 });
      // The hint, and one turn that answers both notes (the second arrived while the first waited).
      await bot.waitForReplies('local:main', 2, 60_000);
      const texts = bot.replies('local:main').map((m) => m.text);
      // The stand-in echoes the placeholder (which names WHISPER_MODEL too): count the hint by its own words.
      expect(texts.filter((text) => text.includes('Set WHISPER_MODEL to'))).toHaveLength(1);
      expect(bot.store.delivery(WHISPER_HINT_KEY)?.status).toBe('sent');
      for (const id of [first.id, second.id]) {
        expect(bot.store.getMessage('local:main', id)!.text).toMatch(/^\[voice note( 0:0\d)?, not transcribed: no speech model is set up \(WHISPER_MODEL\)\]$/);
      }
      expect(texts.some((text) => text.includes('not transcribed'))).toBe(true);
    } finally {
      await bot.stop();
      await ollama.close();
    }
  }, 120_000);
});
