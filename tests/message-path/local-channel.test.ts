// The local channel as its users meet it: the JSON API, the event stream, the web page and
// `babybot chat` in a terminal.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { eventually } from '../support/eventually.js';
import { useTestBot } from '../support/test-bot.js';

describe('the local channel', () => {
  const t = useTestBot();

  const post = (body: unknown) =>
    fetch(`${t.bot.httpUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...t.bot.auth }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('rejects bad bodies with 400 and the reason', async () => {
    const notJson = await post('{"chat":');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toContain('The body must be JSON');
    const empty = await post({ chat: 'main', text: '' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toContain('the message text must not be empty');
    const badChat = await post({ chat: 'whatsapp:123@s.whatsapp.net', text: 'hi' });
    expect(badChat.status).toBe(400);
    expect(((await badChat.json()) as { error: string }).error).toContain('a local chat name');
    const badQuery = await fetch(`${t.bot.httpUrl}/api/messages?since=x`, { headers: t.bot.auth });
    expect(badQuery.status).toBe(400);
    expect(t.bot.messages('local:main')).toHaveLength(0); // nothing half-accepted
  });

  it('streams new messages of the chat, the reply included, as server-sent events', async () => {
    const controller = new AbortController();
    const events = await fetch(`${t.bot.httpUrl}/api/events?chat=main`, { signal: controller.signal, headers: t.bot.auth });
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const received: { text: string; fromAssistant: boolean }[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk);
        // Messages only: a slow turn's `progress` events carry no seq.
        for (const line of buffer.split('\n').filter((l) => l.startsWith('data: '))) {
          const data = JSON.parse(line.slice(6)) as { text: string; fromAssistant: boolean; seq?: number };
          if (data.seq !== undefined) received.push(data);
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
        if (received.some((m) => m.fromAssistant)) return;
      }
    })();
    const { id } = (await (await post({ chat: 'main', text: 'stream me' })).json()) as { id: string };
    await reading;
    controller.abort();
    expect(received.map((m) => [m.text, m.fromAssistant])).toEqual([
      ['stream me', false],
      ['echo: user: stream me', true],
    ]);
    const list = (await (await fetch(`${t.bot.httpUrl}/api/messages?chat=main&since=0`, { headers: t.bot.auth })).json()) as { messages: { id: string; seq: number }[] };
    expect(list.messages[0].id).toBe(id);
    const after = (await (await fetch(`${t.bot.httpUrl}/api/messages?chat=main&since=${list.messages[0].seq}`, { headers: t.bot.auth })).json()) as { messages: unknown[] };
    expect(after.messages).toHaveLength(1);
  });

  it('serves the web chat page and the health report', async () => {
    const page = await fetch(t.bot.httpUrl!);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>BabyBot</title>');
    const health = (await (await fetch(`${t.bot.httpUrl}/api/health`)).json()) as { status: string; components: Record<string, { ok: boolean }> };
    expect(health.status).toBe('ok');
    expect(Object.keys(health.components)).toEqual(expect.arrayContaining(['store', 'temporal', 'workers']));
  });

  it('`babybot chat` sends what is typed and prints the reply', async () => {
    // It finds the owner's token in DATA_DIR (the API answers nobody without it).
    const child = spawn(process.execPath, ['bin/babybot.js', 'chat', '--chat', 'main', '--url', t.bot.httpUrl!], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DATA_DIR: t.bot.config.dataDir },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    await eventually(() => output.includes('Chatting in local:main'), { timeoutMs: 30_000, what: () => `the chat prompt, got: ${output}` });
    child.stdin.write('hello from the terminal\n');
    await eventually(() => output.includes('echo: terminal: hello from the terminal'), { timeoutMs: 25_000, what: () => `the reply, got: ${output}` });
    child.stdin.end();
    await new Promise((r) => child.on('exit', r));
    expect(output).toContain('Baby: echo: terminal: hello from the terminal');
  });

  it('`babybot web` prints the web chat link with the token; without the token file it says what to do', async () => {
    const web = (env: Record<string, string>) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/babybot.js', 'web'], { env: { ...process.env, HTTP_PORT: new URL(t.bot.httpUrl!).port, ...env } });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('exit', (code) => resolve({ code, output }));
      });
    expect(await web({ DATA_DIR: t.bot.config.dataDir })).toEqual({ code: 0, output: `${t.bot.webChatUrl}\n` });
    const missing = await web({ DATA_DIR: `${t.bot.config.dataDir}-elsewhere` });
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('Start BabyBot once (`babybot start` makes it), and run this command as the account that runs BabyBot');
  });
});
