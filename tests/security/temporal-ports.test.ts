// Issue 21, item 2: every HTTP port BabyBot starts meets the local API's rule (no answer to
// a foreign Host, no state change from a cross-site request) or answers nothing. The real
// embedded `temporal server start-dev` (CLI 1.5.1) with its Web UI, spoken to with raw
// requests (every header the attacker's) and from a real Chromium page of another origin,
// one of them under a rebound DNS name (Chromium's resolver maps it to 127.0.0.1).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REBOUND = 'rebind.evil.test';

interface Raw {
  status: number;
  body: string;
}

function raw(address: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)];
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const startBody = JSON.stringify({ workflowType: { name: 'groupWorkflow' }, taskQueue: { name: 'babybot-workflows' }, input: { payloads: [] } });

describe("the embedded Temporal server's HTTP ports", { timeout: 180_000 }, () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let browser: Browser;
  let evil: http.Server;
  let ui: string;

  const started = async (workflowId: string) =>
    bot.client.workflow
      .getHandle(workflowId)
      .describe()
      .then(() => true)
      .catch(() => false);

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run scripts/components/chromium.sh (or set CHROMIUM_PATH).`);
    ollama = await new OllamaStub().start();
    bot = await startTestBot({
      ollama,
      namespace: 'default',
      workflowBundle: await bundleWorkflows(),
      env: {
        TEMPORAL_ADDRESS: '',
        TEMPORAL_CLI: inject('temporalCli'),
        TEMPORAL_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
      },
    });
    ui = new URL(bot.temporal.uiUrl!).host;
    // The attacker's page, on another port (another origin), posting to every HTTP port it knows of.
    evil = http.createServer((req, res) => {
      const target = new URL(req.url!, 'http://x').searchParams.get('target')!;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body>
        <form id="f" method="POST" action="${target}/api/v1/namespaces/default/workflows/evil-form" enctype="text/plain" target="sink">
          <input name='{"workflowType":{"name":"groupWorkflow"},"taskQueue":{"name":"q"},"x":"' value='"}'>
        </form><iframe name="sink"></iframe>
        <script>
          (async () => {
            await fetch('${target}/api/v1/namespaces/default/workflows/evil-fetch', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' },
              body: ${JSON.stringify(startBody)} }).catch(() => {});
            let read = 'unreadable';
            try { read = await (await fetch('${target}/api/v1/namespaces/default/workflows')).text(); } catch (e) { read = 'unreadable: ' + e.message; }
            document.getElementById('f').submit();
            window.readBack = read;
            document.title = 'sent';
          })();
        </script></body>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', () => resolve()));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // DNS rebinding, done by the browser's own resolver: the attacker's name, our address.
        `--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`,
      ],
    });
    // Something to read: a turn of the main chat, with its text in the history.
    await bot.post('main', 'the secret family plan');
    await bot.waitForReplies('local:main', 1);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await bot?.stop();
    await ollama?.close();
  });

  it('the Web UI at its advertised port: the owner gets it; a foreign Host gets 403 and nothing of it', async () => {
    const page = await raw(ui, 'GET', '/', { host: ui });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    const list = await raw(ui, 'GET', '/api/v1/namespaces/default/workflows', { host: ui });
    expect(list.status).toBe(200);
    expect(list.body).toContain('turn:main:');
    const rebound = `${REBOUND}:${ui.split(':')[1]}`;
    for (const path of ['/', '/api/v1/namespaces/default/workflows', '/api/v1/namespaces/default/workflows/turn%3Amain%3Ax/history']) {
      const res = await raw(ui, 'GET', path, { host: rebound });
      expect(res.status, path).toBe(403);
      expect(res.body, path).not.toContain('turn:main:');
    }
  });

  it('the Web UI changes nothing for a request of another site or of no page at all', async () => {
    const post = (headers: Record<string, string>, id: string) =>
      raw(ui, 'POST', `/api/v1/namespaces/default/workflows/${id}`, { host: ui, 'content-type': 'application/json', ...headers }, startBody);
    expect((await post({ origin: 'https://evil.example' }, 'evil-origin')).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' }, 'evil-fetch-site')).status).toBe(403);
    const none = await post({}, 'evil-no-origin');
    expect(none.status).toBe(403);
    expect(JSON.parse(none.body).error).toMatch(/must come from this site's own pages/);
    for (const id of ['evil-origin', 'evil-fetch-site', 'evil-no-origin']) expect(await started(id)).toBe(false);
  });

  it("the HTTP API answers no Host at all: not the attacker's, not loopback's", async () => {
    const api = bot.temporal.listeners!.httpApi;
    const port = api.split(':')[1];
    for (const host of [api, `localhost:${port}`, `${REBOUND}:${port}`]) {
      const list = await raw(api, 'GET', '/api/v1/namespaces/default/workflows', { host });
      expect(list.status, host).toBe(403);
      expect(list.body).toContain('Host not allowed');
      const start = await raw(api, 'POST', '/api/v1/namespaces/default/workflows/evil-http-api', { host, 'content-type': 'application/json' }, startBody);
      expect(start.status, host).toBe(403);
    }
    expect(await started('evil-http-api')).toBe(false);
  });

  it('the UI server itself listens at a private address, not at 127.0.0.1', () => {
    const privateUi = bot.temporal.listeners!.privateUi!;
    expect(privateUi).toMatch(/^127\.\d+\.\d+\.\d+:\d+$/);
    // Linux routes all of 127/8 to loopback: a page would have to guess ~40 bits to find it.
    expect(privateUi.startsWith('127.0.0.1:')).toBe(false);
  });

  it('metrics (read-only) carry no chat text', async () => {
    const metrics = bot.temporal.listeners!.metrics;
    const res = await raw(metrics, 'GET', '/metrics', { host: metrics });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('secret family plan');
  });

  it('a real page of another origin, and one under a rebound name, start nothing and read nothing', async () => {
    const targets = [
      `http://${ui}`,
      `http://${REBOUND}:${ui.split(':')[1]}`,
      `http://${bot.temporal.listeners!.httpApi}`,
      `http://${REBOUND}:${bot.temporal.listeners!.httpApi.split(':')[1]}`,
    ];
    for (const target of targets) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/?target=${encodeURIComponent(target)}`);
      await page.waitForFunction("document.title === 'sent'");
      await page.waitForTimeout(500);
      expect(String(await page.evaluate('window.readBack')), target).not.toContain('turn:main:');
      await page.close();
    }
    // A rebound page of its own origin, reading "its own" UI: refused by the Host check.
    const rebound = await browser.newPage();
    const answer = await rebound.goto(`http://${REBOUND}:${ui.split(':')[1]}/api/v1/namespaces/default/workflows`);
    expect(answer?.status()).toBe(403);
    expect(await rebound.content()).not.toContain('turn:main:');
    for (const id of ['evil-form', 'evil-fetch']) expect(await started(id)).toBe(false);
    // The owner's own browser still gets the UI, and it lists the turn.
    const owner = await browser.newPage();
    await owner.goto(`${bot.temporal.uiUrl}/namespaces/default/workflows`);
    await owner.getByText('turn:main:').first().waitFor({ timeout: 30_000 });
    // And the UI's own requests that change something pass (its CSRF cookie and header, its
    // Origin): the owner terminates the main group's workflow, as from its page.
    const status = await owner.evaluate(`(async () => {
      const csrf = decodeURIComponent((document.cookie.match(/_csrf=([^;]+)/) || [])[1] || '');
      const res = await fetch('/api/v1/namespaces/default/workflows/group%3Amain/terminate', {
        method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ reason: 'the owner, from the Web UI' }) });
      return res.status;
    })()`);
    expect(status).toBe(200);
    expect((await bot.client.workflow.getHandle('group:main').describe()).status.name).toBe('TERMINATED');
  });
});
