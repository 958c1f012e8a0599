// The Temporal Web UI, seen in a real browser (Debian's Chromium driven by playwright-core):
// BabyBot with its own embedded server and UI, a turn that fails on a non-retryable model
// error, then a person's path: search the turn's id, open it, read the cause and the group.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { freePort } from '../support/ports.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');
const FAILURE = 'Ollama rejected the request (400): invalid tool schema in request';

describe('the Web UI of the embedded server', { timeout: 120_000 }, () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  let browser: Browser;
  const turnId = 'turn:main:ui-weather-1';

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: run scripts/components/chromium.sh (or set CHROMIUM_PATH).`);
    }
    ollama = await new OllamaStub().start();
    ollama.setReplies({ status: 400, error: 'invalid tool schema in request' });
    // Its own server with the UI: the suite's shared server is headless.
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
    await bot.post('main', 'what is the weather tomorrow?', { id: 'ui-weather-1' });
    const [notice] = await bot.waitForReplies('local:main', 1);
    expect(notice.text).toContain(`Run: ${turnId}`);
    await expect(bot.client.workflow.getHandle(turnId).result()).rejects.toThrow('Workflow execution failed');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
    await ollama?.close();
  });

  it('finds the failed turn by its id and shows the failure message and the group', async () => {
    expect(bot.temporal.embedded).toBe(true);
    const ui = bot.temporal.uiUrl!;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    fs.mkdirSync(ARTIFACTS, { recursive: true });

    // What a person does: search the id the failure notice gave them.
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${turnId}"`)}`);
    const row = page.getByRole('link', { name: turnId, exact: true }).first();
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.innerText('body'), { timeout: 10_000 }).toContain('Failed');
    await row.click();

    await page.getByText(FAILURE).first().waitFor({ timeout: 30_000 });
    const detail = await page.innerText('body');
    expect(detail).toContain(turnId);
    expect(detail).toContain('Failed');
    expect(detail).toContain('agentTurnWorkflow');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-failed-turn.png'), fullPage: true });

    await page.getByText('Search Attributes', { exact: true }).first().click();
    await page.getByText('BabybotGroup').first().waitFor({ timeout: 15_000 });
    const attributes = await page.innerText('body');
    expect(attributes).toContain('"BabybotGroup": "main"');
    expect(attributes).toContain('"BabybotKind": "message"');
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-failed-turn-attributes.png'), fullPage: true });
  });
});
