// Documents, read in the sandbox: the real agent image carries the read-documents skill's
// tools (pdftotext, pdfinfo, docx2txt, unzip), and a real PDF sent to a (hostile, non-main)
// group is saved in its folder, named in the message, and read by run_command inside that
// group's own container; what the PDF says reaches the chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../container/runtime/docker.js';
import { dockerClient } from '../../container/runtime/select.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { pdf } from '../media/support.js';
import { lastUserText, OllamaStub } from '../support/ollama-stub.js';
import { startTestBot, type TestBot } from '../support/test-bot.js';
import { requireEngine } from './engine.js';

const IMAGE = 'babybot-agent:latest';
const TOOLS = ['pdftotext', 'pdfinfo', 'pdftoppm', 'docx2txt', 'unzip'];

describe('documents in the sandbox', () => {
  let host: string;
  let ollama: OllamaStub;
  let bot: TestBot;

  beforeAll(async () => {
    host = await requireEngine(IMAGE);
    ollama = await new OllamaStub().start();
    bot = await startTestBot({ ollama, workflowBundle: await bundleWorkflows(), env: { CONTAINER_RUNTIME: 'docker', DOCKER_HOST: host, ASSISTANT_NAME: 'Baby' } });
  });
  afterAll(async () => {
    if (bot?.sandbox instanceof DockerRuntime) {
      for (const container of await bot.sandbox.list()) await bot.sandbox.remove(container.name);
    }
    await bot?.stop();
    await ollama?.close();
  });

  it(`the agent image has ${TOOLS.join(', ')} (a build that could not install them only printed a WARNING)`, async () => {
    const { docker } = dockerClient(host);
    // A terminal (Tty) so the log is the plain output, not Docker's multiplexed frames.
    const container = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['sh', '-c', `for t in ${TOOLS.join(' ')}; do command -v "$t" || echo "missing: $t"; done`],
      Tty: true,
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const output = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      const lines = output.toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      expect(StatusCode).toBe(0);
      expect(lines.filter((l) => l.startsWith('missing: ')), `rebuild the image where Debian is reachable (babybot sandbox build): ${lines.join(' | ')}`).toEqual([]);
      expect(lines).toHaveLength(TOOLS.length);
    } finally {
      await container.remove({ force: true });
    }
  });

  it('a PDF sent to a group is read with pdftotext inside the group\'s container', async () => {
    bot.store.upsertChat({ jid: 'local:family', name: 'family', channel: 'local' });
    bot.store.addGroup({ folder: 'family', jid: 'local:family', name: 'family', triggerWord: null, requiresTrigger: true, isMain: false });
    let toolResult = '';
    let pdfPath = '';
    ollama.setScript((request, index) => {
      if (index === 0) {
        // The model finds the file's path in the message, as the read-documents skill says.
        pdfPath = /saved as (media\/[\w.-]+\.pdf)/.exec(lastUserText(request))?.[1] ?? '';
        return { toolCalls: [{ name: 'run_command', arguments: { command: `pdfinfo ${pdfPath} | grep -c '^Pages:'; pdftotext -layout ${pdfPath} -` } }] };
      }
      toolResult = request.messages.at(-1)?.content ?? '';
      return { content: `The PDF says: ${toolResult.split('\n').find((l) => l.includes('Quarterly'))?.trim()}` };
    });
    const report = pdf('Quarterly report: sales up 12 percent');
    const res = await fetch(`${bot.httpUrl}/api/media`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.httpToken}` },
      body: JSON.stringify({ chat: 'family', fileName: 'report.pdf', mime: 'application/pdf', data: report.toString('base64'), caption: '@Baby what does this say?' }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const posted = (await res.json()) as { id: string; text: string; triggered: boolean };
    expect(posted).toMatchObject({ triggered: true, text: `[document: report.pdf, ${report.length} B, saved as media/${posted.id}.pdf] @Baby what does this say?` });
    const replies = await bot.waitForReplies('local:family', 1, 120_000);
    expect(pdfPath).toBe(`media/${posted.id}.pdf`);
    expect(toolResult).toMatch(/^exit code 0\nstdout:\n1\n\s*Quarterly report: sales up 12 percent/);
    expect(replies[0].text).toBe('The PDF says: Quarterly report: sales up 12 percent');
    // It ran in the group's own container, not the main one's.
    const containers = await (bot.sandbox as DockerRuntime).list();
    expect(containers.map((c) => c.group)).toEqual(['family']);
  });
});
