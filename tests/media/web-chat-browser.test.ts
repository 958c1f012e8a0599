// The web chat in a real browser (Debian's Chromium through playwright-core): attach a photo
// with the page's own file input, see it stored in the group's folder, shown in the thread
// as an image the page loads from /api/media, and answered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestBot } from '../support/test-bot.js';
import { photo } from './support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the web chat with media', () => {
  const t = useTestBot();
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run scripts/components/chromium.sh (or set CHROMIUM_PATH).`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => browser?.close());

  it('attaches a photo with its caption and shows it in the thread', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-upload-')), 'sunset.jpg');
    fs.writeFileSync(file, await photo(900, 600));
    const page = await browser.newPage();
    await page.goto(t.bot.httpUrl!);
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
});
