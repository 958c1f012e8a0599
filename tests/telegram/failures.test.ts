// Telegram's failures through a running BabyBot, against the tests' own Bot API server:
// dropped connections (a poll, a send, a send whose answer was lost: the documented edge),
// files that lead elsewhere or are too large, and a revoked token (401: polling stops and
// health and doctor say what to do). The token reaches no prompt, no Temporal history (the
// Web UI's data), no health report and no page of the local API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramCheck } from '../../cli/telegram-check.js';
import { registerGroup } from '../../lib/group-registration.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { pdf } from '../media/support.js';
import { eventually } from '../support/eventually.js';
import { OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { ALICE, BotApiStandIn, FAMILY, OWNER, ownerChat, TOKEN } from './support/bot-api-stand-in.js';
import { FAST_BACKOFF, telegramEnv } from './support/env.js';

const until = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000) => eventually(probe, { timeoutMs, what });
const FAMILY_CHAT = `telegram:${FAMILY.id}`;
const OWNER_CHAT = `telegram:${OWNER.id}`;
const SECRET = TOKEN.split(':')[1];

/** Every text a run's history holds: payloads are bytes (base64 JSON), decoded here. */
function historyText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) historyText(item, out);
  return out;
}

describe('Telegram failures through a running BabyBot', () => {
  let ollama: OllamaStub;
  let bot: TestBot;
  const api = new BotApiStandIn();

  beforeAll(async () => {
    ollama = await new OllamaStub().start();
    await api.start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: telegramEnv(api, { MEDIA_MAX_BYTES: '65536' }), ...FAST_BACKOFF });
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

  it('a dropped poll and a dropped send are retried: the reply is sent once', async () => {
    api.dropNext('getUpdates');
    api.dropNext('sendMessage');
    const before = api.sentTo(OWNER.id).length;
    api.push({ chat: ownerChat, from: OWNER, text: 'still there?' });
    await until('the reply', () => api.sentTo(OWNER.id).length > before);
    await bot.groupIdle('telegram-main');
    expect(api.sentTo(OWNER.id).slice(before).map((m) => m.text)).toEqual(['echo: Olive: still there?']);
    expect(bot.replies(OWNER_CHAT).at(-1)?.text).toBe('echo: Olive: still there?');
  });

  it('a 409 (another program polls this bot) is reported in health and retried', async () => {
    api.failNext('getUpdates', { error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' }, 3);
    const seen = await until('the conflict in health', async () => {
      const telegram = (await bot.health()).components.telegram;
      return !telegram.ok && telegram.detail.startsWith('conflict:') ? telegram : undefined;
    });
    expect(seen.detail).toContain('another program polls this bot, or a webhook is set');
    await until('polling again', async () => (await bot.health()).components.telegram.ok);
  });

  it('the documented edge: a send whose answer was lost is sent again (repeated, never lost)', async () => {
    api.dropAnswerOfNext('sendMessage');
    const before = api.sentTo(OWNER.id).length;
    api.push({ chat: ownerChat, from: OWNER, text: 'once or twice?' });
    await until('the reply stored', () => bot.replies(OWNER_CHAT).some((r) => r.text === 'echo: Olive: once or twice?'));
    await bot.groupIdle('telegram-main');
    expect(api.sentTo(OWNER.id).slice(before).map((m) => m.text)).toEqual(['echo: Olive: once or twice?', 'echo: Olive: once or twice?']);
  });

  it("a file is fetched only from the API root's file host, within MEDIA_MAX_BYTES; the message is stored either way", async () => {
    const doc = pdf();
    api.addFile('DOC1', doc, 'documents/file_7.pdf');
    api.addFile('EVIL1', doc, '../../../etc/passwd');
    api.addFile('EVIL2', doc, 'http://169.254.169.254/latest');
    api.addFile('BIG1', Buffer.alloc(200_000, 1), 'documents/big.bin', false);
    const send = (fileId: string, size?: number) =>
      api.push({ chat: FAMILY, from: ALICE, document: { file_id: fileId, file_unique_id: `u${fileId}`, file_name: `${fileId}.pdf`, mime_type: 'application/pdf', ...(size ? { file_size: size } : {}) } }).messageId;
    const good = send('DOC1', doc.length);
    const evil1 = send('EVIL1');
    const evil2 = send('EVIL2');
    const declaredBig = send('BIG1', 200_000);
    const undeclaredBig = send('BIG1');
    const stored = (id: number) => bot.store.getMessage(FAMILY_CHAT, String(id));
    await until('all five stored', () => [good, evil1, evil2, declaredBig, undeclaredBig].every((id) => stored(id)));
    expect(bot.store.media(FAMILY_CHAT, String(good))).toMatchObject({ kind: 'document', status: 'saved', bytes: doc.length, path: `media/${good}.pdf` });
    expect(stored(evil1)?.text).toBe("[document: EVIL1.pdf, could not be downloaded: its path does not lead to Telegram's file host]");
    expect(stored(evil2)?.text).toContain("could not be downloaded: its path does not lead to Telegram's file host");
    expect(stored(declaredBig)?.text).toMatch(/not saved: .*over the limit of 64 KB \(MEDIA_MAX_BYTES\)/);
    expect(stored(undeclaredBig)?.text).toMatch(/not saved: more than the limit of 64 KB \(MEDIA_MAX_BYTES\)/);
    // The declared one never reached the file host; the undeclared one was cut at the cap.
    expect(api.fileRequests).toEqual(['documents/file_7.pdf', 'documents/big.bin']);
    await bot.groupIdle('family');
  });

  it('the token reaches no prompt, no Temporal history, no health report and no page of the local API', async () => {
    const prompts = JSON.stringify(ollama.requests);
    expect(prompts).toContain('still there?');
    expect(prompts).not.toContain(SECRET);
    const histories: string[] = [];
    for await (const run of bot.client.workflow.list()) {
      histories.push(...historyText(await bot.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()));
    }
    expect(histories.join('\n')).toContain('once or twice?');
    expect(histories.join('\n')).not.toContain(SECRET);
    const pages = await Promise.all(
      ['/api/health', '/', `/api/messages?chat=${encodeURIComponent(OWNER_CHAT)}`].map(async (p) => (await fetch(`${bot.httpUrl}${p}`, { headers: bot.auth })).text()),
    );
    for (const page of pages) expect(page).not.toContain(SECRET);
  });

  it('a revoked token (401): polling stops, and health and doctor say what to do', async () => {
    api.revoked = true;
    const health = await until('the channel to notice', async () => {
      const report = await bot.health();
      return report.components.telegram?.ok === false && report.components.telegram.detail.includes('401') ? report : undefined;
    });
    expect(health.components.telegram.detail).toMatch(/^unauthorized: Telegram refused the bot token \(401.*@BotFather.*TELEGRAM_BOT_TOKEN/);
    const http = (await (await fetch(`${bot.httpUrl}/api/health`)).json()) as { status: string; components: Record<string, { ok: boolean; detail: string }> };
    expect(http.status).toBe('degraded');
    expect(http.components.telegram).toMatchObject({ ok: false, detail: expect.stringContaining('@BotFather') });
    // Stopped: no more polls.
    const polls = api.calls.filter((c) => c.method === 'getUpdates').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(api.calls.filter((c) => c.method === 'getUpdates').length).toBe(polls);
    const doctor = await telegramCheck.run(bot.config, {});
    expect(doctor).toMatchObject({ ok: false, detail: expect.stringContaining('401'), fix: expect.stringContaining('@BotFather') });
    expect(JSON.stringify(doctor)).not.toContain(SECRET);
  });
});
