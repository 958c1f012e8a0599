// send_file: a file of the group's folder goes back to the chat once per turn, by the same
// delivery log as text; the model's path is attacker input (a hostile group's model names
// anything): outside the folder, through a symlink, a FIFO or a folder is refused, nothing sent.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sendFileHandler } from '../../activities/media/send-file.js';
import type { HostToolDeps } from '../../activities/host-tools/types.js';
import { OutboundRouter, type OutboundFile } from '../../channel/outbound.js';
import { createLogger } from '../../lib/logger.js';
import { Store } from '../../lib/store/store.js';
import { useTestBot } from '../support/test-bot.js';

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-sendfile-'));
  const groupsDir = path.join(dir, 'groups');
  const store = Store.open(path.join(dir, 'babybot.db'));
  store.ensureMainGroup();
  const sent: { chat: string; file: OutboundFile; messageId: string }[] = [];
  const outbound = new OutboundRouter([
    { name: 'counting', owns: () => true, send: async () => {}, sendFile: async (chat, file, messageId) => void sent.push({ chat, file, messageId }) },
  ]);
  const deps = {
    store,
    outbound,
    assistantName: 'Baby',
    groupsDir,
    skillsDir: dir,
    log: createLogger('silent'),
    mediaMaxBytes: 1024 * 1024,
    // The task tools are not called here.
    tasks: undefined as never,
  } satisfies HostToolDeps;
  const group = { folder: 'main', chat: 'local:main', name: 'main', isMain: true };
  fs.mkdirSync(path.join(groupsDir, 'main/out'), { recursive: true });
  return { dir, groupsDir, store, sent, deps, group };
}

const run = (deps: HostToolDeps, group: { folder: string; chat: string; name: string; isMain: boolean }, args: Record<string, unknown>, runId = 'run-1', activityId = '7') =>
  new MockActivityEnvironment({ workflowExecution: { workflowId: 'turn:main:m1', runId }, activityId }).run(sendFileHandler, deps, {
    tool: 'send_file',
    args,
    group,
    turnId: 'turn:main:m1',
  });

describe('send_file', () => {
  it('sends once per turn: a retried step and the same file named again send nothing more', async () => {
    const { groupsDir, store, sent, deps, group } = setup();
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#123456' } }).png().toBuffer();
    fs.writeFileSync(path.join(groupsDir, 'main/out/chart.png'), png);
    const first = await run(deps, group, { path: 'out/chart.png', caption: 'the chart' });
    expect(first).toMatch(/^Sent out\/chart.png \(image\/png, \d+ bytes\)/);
    // The same step retried (same run, same activity) and a later step naming it again: answered as the first was.
    expect(await run(deps, group, { path: 'out/chart.png', caption: 'the chart' })).toBe(first);
    expect(await run(deps, group, { path: '/workspace/group/out/chart.png' }, 'run-1', '9')).toBe(first);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ chat: 'local:main', file: { mime: 'image/png', fileName: 'chart.png', caption: 'the chart' } });
    expect(sent[0].file.data.equals(png)).toBe(true);
    const stored = store.messagesSince('local:main').filter((m) => m.fromAssistant);
    expect(stored.map((m) => m.text)).toEqual(['[photo: out/chart.png] the chart']);
    expect(store.media('local:main', stored[0].id)).toMatchObject({ kind: 'image', path: 'out/chart.png', folder: 'main', bytes: png.length });
    // A new run of the turn (a Reset, `babybot retry`) decides afresh.
    await run(deps, group, { path: 'out/chart.png' }, 'run-2');
    expect(sent).toHaveLength(2);
  });

  it('refuses a path outside the folder, a symlink (to a file or through a folder), a FIFO and a folder; nothing is sent', async () => {
    const { dir, groupsDir, sent, deps, group } = setup();
    const secret = path.join(dir, 'secret.env');
    fs.writeFileSync(secret, 'TOKEN=hunter2');
    const root = path.join(groupsDir, 'main');
    fs.symlinkSync(secret, path.join(root, 'out/innocent.txt'));
    fs.symlinkSync(dir, path.join(root, 'linked-dir'));
    execFileSync('mkfifo', [path.join(root, 'out/pipe')]);
    const cases: [string, RegExp][] = [
      ['../../secret.env', /leads outside the group folder/],
      ['/etc/passwd', /not a path inside the group folder/],
      ['out/innocent.txt', /is a symlink; links are not followed/],
      ['linked-dir/secret.env', /goes through a symlink \(linked-dir\)/],
      ['out/pipe', /not a regular file/],
      ['out', /not a regular file/],
      ['out/missing.pdf', /does not exist/],
    ];
    for (const [target, reason] of cases) {
      const error = await run(deps, group, { path: target }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, target).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).type).toBe('FileRefused');
      expect((error as Error).message, target).toMatch(reason);
    }
    expect(sent).toEqual([]);
  });
});

describe('send_file in a turn, and the web chat serving it', () => {
  const t = useTestBot();

  it('the model sends a file; the chat gets it once, the page can show it; a planted HTML file is only a download', async () => {
    const { bot, ollama } = t;
    const root = path.join(bot.config.groupsDir, 'main');
    fs.mkdirSync(path.join(root, 'out'), { recursive: true });
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } }).png().toBuffer();
    fs.writeFileSync(path.join(root, 'out/chart.png'), png);
    fs.writeFileSync(path.join(root, 'out/page.html'), '<script>alert(1)</script>');
    ollama.setReplies(
      { toolCalls: [{ name: 'send_file', arguments: { path: 'out/chart.png', caption: 'here it is' } }] },
      { toolCalls: [{ name: 'send_file', arguments: { path: 'out/page.html' } }] },
      { content: 'sent both' },
    );
    await bot.post('main', 'send me the chart');
    const replies = await bot.waitForReplies('local:main', 3);
    expect(replies.map((m) => m.text)).toEqual(['[photo: out/chart.png] here it is', '[document: page.html, 25 B, saved as out/page.html]', 'sent both']);
    const list = (await (await fetch(`${bot.httpUrl}/api/messages?chat=main`, { headers: bot.auth })).json()) as { messages: { text: string; media?: { url?: string; kind: string } }[] };
    const image = list.messages.find((m) => m.media?.kind === 'image')!;
    const served = await fetch(`${bot.httpUrl}${image.media!.url}`, { headers: bot.auth });
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    const html = list.messages.find((m) => m.media?.kind === 'document')!;
    const download = await fetch(`${bot.httpUrl}${html.media!.url}`, { headers: bot.auth });
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="page.html"/);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    // The file swapped for a link after it was sent: the download refuses it.
    fs.rmSync(path.join(root, 'out/page.html'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'out/page.html'));
    expect((await fetch(`${bot.httpUrl}${html.media!.url}`, { headers: bot.auth })).status).toBe(404);
  });
});
