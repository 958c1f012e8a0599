// Hole 3 in a real browser: a page from another origin, open in the owner's Chromium, sends
// the cross-site requests a browser allows without asking (a no-cors text/plain POST, a
// form), while the web chat page itself keeps working in the same browser.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHostileBot } from './support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('a web page in the owner’s browser', () => {
  const t = useHostileBot();
  let browser: Browser;
  let evil: http.Server;
  let evilUrl: string;
  // Every request header the attacker's server saw (another account may run one on 127.0.0.1).
  const seenByEvil: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run scripts/components/chromium.sh (or set CHROMIUM_PATH).`);
    const target = `${t.bot.httpUrl}/api/messages`;
    // The attacker's page: on another port, so another origin.
    evil = http.createServer((req, res) => {
      seenByEvil.push(JSON.stringify(req.headers));
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body>
        <form id="f" method="POST" action="${target}" enctype="text/plain" target="sink">
          <input name='{"chat":"main","text":"form post","x":"' value='"}'>
        </form><iframe name="sink"></iframe>
        <script>
          fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' },
            body: JSON.stringify({ chat: 'main', text: 'no-cors post' }) }).finally(() => { document.getElementById('f').submit(); document.title = 'sent'; });
        </script></body>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', () => resolve()));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => evil?.close(resolve));
  });

  it('cannot post into main; the web chat page can', async () => {
    const before = t.bot.messages('local:main').length;
    const page = await browser.newPage();
    await page.goto(evilUrl);
    await page.waitForFunction("document.title === 'sent'");
    await page.waitForTimeout(1000);
    expect(t.bot.messages('local:main').map((m) => m.text).slice(before)).toEqual([]);

    const chat = await browser.newPage();
    await chat.goto(t.bot.webChatUrl!);
    await chat.fill('#text', 'hello from the web chat');
    await chat.press('#text', 'Enter');
    const replies = await t.bot.waitForReplies('local:main', 1);
    expect(replies.at(-1)?.text).toBe('echo: hello from the web chat');
    await chat.waitForFunction("document.getElementById('log').textContent.includes('echo: hello from the web chat')");
  });

  it("the owner's token stays with the web chat: a page without it is refused, another port of 127.0.0.1 never sees it", async () => {
    // A browser that never opened the printed link: the page loads (it is static) but reads and sends nothing.
    const stranger = await browser.newContext();
    const bare = await stranger.newPage();
    await bare.goto(t.bot.httpUrl!);
    await bare.waitForFunction("document.getElementById('status').textContent.startsWith('no token')");
    await stranger.close();

    // The owner's browser, after the link: the token is kept by the page's origin only.
    const owner = await browser.newContext();
    const chat = await owner.newPage();
    await chat.goto(t.bot.webChatUrl!);
    await chat.waitForFunction("document.getElementById('status').textContent === 'connected'");
    expect(chat.url()).toBe(`${t.bot.httpUrl}/`); // the fragment is wiped from the address bar
    const other = await owner.newPage();
    seenByEvil.length = 0;
    await other.goto(evilUrl);
    await other.reload(); // a same-site request: a cookie of 127.0.0.1 would ride along now
    expect(await other.evaluate("localStorage.getItem('babybot-token')")).toBeNull();
    expect(seenByEvil.length).toBeGreaterThan(0);
    for (const headers of seenByEvil) expect(headers).not.toContain(t.bot.httpToken!);
    await owner.close();
  });
});
