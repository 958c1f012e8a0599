// The web chat in a real browser (Debian's Chromium through playwright-core): attach a photo
// with the page's own file input, see it stored in the group's folder, shown in the thread
// as an image the page loads from /api/media, and answered. Record a voice note with the
// page's own 🎤 (Chromium's fake microphone plays espeak-ng speech), and see its entry in the
// thread turn from "transcribing…" into the words whisper.cpp heard, without a reload.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestBot } from '../support/test-bot.js';
import { photo, speech, whisperModel } from './support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Transcription is CPU-bound: on a shared 2-core machine under a full suite it takes minutes.
const TRANSCRIBE_TIMEOUT = 600_000;

describe('the web chat with media', () => {
  const t = useTestBot({ env: { WHISPER_MODEL: whisperModel() } });
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run scripts/components/chromium.sh (or set CHROMIUM_PATH).`);
    // The fake microphone plays this clip once (%noloop), then silence.
    const microphone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-mic-')), 'speech.wav');
    fs.writeFileSync(microphone, speech().wav);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${microphone}%noloop`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  });
  afterAll(async () => browser?.close());

  it('attaches a photo with its caption and shows it in the thread', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-upload-')), 'sunset.jpg');
    fs.writeFileSync(file, await photo(900, 600));
    const page = await browser.newPage();
    await page.goto(t.bot.webChatUrl!);
    // Strings, not functions: they run in the page, whose DOM types this Node project does not load.
    await page.waitForFunction("document.getElementById('status').textContent === 'connected'");
    await page.fill('#text', 'what a view');
    await page.setInputFiles('#file', file);
    const img = page.locator('#log .msg.me img');
    await img.waitFor({ timeout: 20_000 });
    // The browser really loaded and decoded the image from the server.
    await page.waitForFunction("(() => { const el = document.querySelector('#log .msg.me img'); return !!el && el.complete && el.naturalWidth === 900; })()");
    const stored = t.bot.messages('local:main').find((m) => !m.fromAssistant)!;
    expect(stored.text).toBe(`[photo: media/${stored.id}.jpg] what a view`);
    expect(fs.readFileSync(path.join(t.bot.config.groupsDir, 'main/media', `${stored.id}.jpg`)).equals(fs.readFileSync(file))).toBe(true);
    const replies = await t.bot.waitForReplies('local:main', 1);
    expect(replies[0].text).toBe(`echo: user: [photo: media/${stored.id}.jpg, no vision model] what a view`);
    await page.waitForFunction(`document.getElementById('log').textContent.includes(${JSON.stringify(replies[0].text)})`);
    await page.screenshot({ path: path.join(os.tmpdir(), 'babybot-web-chat-photo.png') });
  });

  it('records a voice note, and its entry in the thread shows the transcript once whisper has heard it', async () => {
    const page = await browser.newPage();
    await page.goto(t.bot.webChatUrl!);
    await page.waitForFunction("document.getElementById('status').textContent === 'connected'");
    const before = t.bot.messages('local:main').length;
    const repliesBefore = t.bot.replies('local:main').length;
    // Every text an entry shows, in order (the placeholder may be replaced before a poll sees it).
    await page.evaluate(`(() => {
      window.seen = [];
      const note = () => document.querySelectorAll('#log .msg .text').forEach((e) => { if (!window.seen.includes(e.textContent)) window.seen.push(e.textContent); });
      new MutationObserver(note).observe(document.getElementById('log'), { subtree: true, childList: true, characterData: true });
    })()`);
    await page.click('#record');
    await page.waitForFunction("document.getElementById('status').textContent.startsWith('recording')");
    // The clip is about 3 s long; record a little longer.
    await page.waitForTimeout(4500);
    await page.click('#record');
    const note = await until(() => t.bot.messages('local:main').slice(before).find((m) => !m.fromAssistant));
    expect(t.bot.store.media('local:main', note.id)).toMatchObject({ kind: 'voice', mime: 'audio/wav', status: 'saved' });
    const entry = page.locator(`#log [data-seq="${note.seq}"] .text`);
    await entry.waitFor({ timeout: 20_000 });
    await page.waitForFunction(
      `/milk and bread/i.test(document.querySelector('#log [data-seq="${note.seq}"] .text')?.textContent ?? '')`,
      undefined,
      { timeout: TRANSCRIBE_TIMEOUT },
    );
    const shown = await entry.textContent();
    expect(shown).toMatch(/^\[voice note 0:0[3-6]\] .*milk and bread/i);
    expect(shown).toBe(t.bot.store.getMessage('local:main', note.id)!.text);
    // First the placeholder the upload stored, then, in the same entry (one per message), the words.
    const seen = (await page.evaluate('window.seen')) as string[];
    expect(seen.filter((text) => text.startsWith('[voice note'))).toEqual([expect.stringMatching(/^\[voice note 0:0[3-6], transcribing…\]$/), shown]);
    expect(await page.locator(`#log [data-seq="${note.seq}"]`).count()).toBe(1);
    const replies = await t.bot.waitForReplies('local:main', repliesBefore + 1, TRANSCRIBE_TIMEOUT);
    await page.waitForFunction(`document.getElementById('log').textContent.includes(${JSON.stringify(replies.at(-1)!.text)})`);
    await page.screenshot({ path: path.join(os.tmpdir(), 'babybot-web-chat-voice.png') });
  }, TRANSCRIBE_TIMEOUT);
});

async function until<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
