// Hole 4: main's sandbox reads the project at /workspace/project. With the defaults the
// project is the working folder, where BabyBot keeps its data (the store with every chat
// and the WhatsApp keys, Temporal's database), the groups (strangers' folders), .env and
// .cache (the Docker socket). The owner's model runs `ls -la` and `cat` in the real container.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shell, useHostileBot } from './support.js';

describe("what main's sandbox sees of the project", () => {
  const servers: net.Server[] = [];
  const listen = (file: string) =>
    new Promise<void>((resolve) => {
      const server = net.createServer((socket) => socket.end('docker says hi\n'));
      servers.push(server);
      server.listen(file, () => resolve());
    });
  const t = useHostileBot({
    docker: true,
    projectAtRoot: true,
    async prepare(dir) {
      fs.writeFileSync(path.join(dir, '.env'), 'OPENAI_API_KEY=sk-project-canary\n');
      fs.writeFileSync(path.join(dir, '.env.local'), 'TOKEN=sk-project-canary\n');
      fs.writeFileSync(path.join(dir, 'README.md'), '# the owner project\n');
      fs.mkdirSync(path.join(dir, 'src'));
      fs.writeFileSync(path.join(dir, 'src', 'index.ts'), 'export const x = 1;\n');
      fs.mkdirSync(path.join(dir, '.cache', 'docker'), { recursive: true });
      await listen(path.join(dir, '.cache', 'docker', 'docker.sock'));
      await listen(path.join(dir, 'babybot.sock'));
      fs.symlinkSync('/etc', path.join(dir, 'etc-link'));
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    },
  });
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('ls -la /workspace/project shows no .env, data, groups, .cache or socket; the code is there', async () => {
    // A stranger's folder with its own files, which main's project view must not reveal.
    await t.ask('local:family', 'make a file', shell('echo family-private > notes.txt'));
    const listing = await t.ask('local:main', 'look at the project', shell('ls -la /workspace/project; echo ---; ls -la /workspace/project/src'));
    expect(listing).toMatch(/ README\.md\n/);
    expect(listing).toMatch(/ src\n/);
    expect(listing).toContain('index.ts');
    for (const hidden of ['.env', '.env.local', 'data', 'groups', '.cache', 'babybot.sock', 'etc-link']) {
      expect(listing, hidden).not.toMatch(new RegExp(` ${hidden.replace('.', '\\.')}\\n`));
    }
    const probe = await t.ask(
      'local:main',
      'probe the secrets',
      shell(
        'cat /workspace/project/.env; ls /workspace/project/data /workspace/project/groups/family /workspace/project/.cache/docker; ' +
          'cat /workspace/project/groups/family/notes.txt; echo done',
      ),
    );
    expect(probe).not.toContain('sk-project-canary');
    expect(probe).not.toContain('family-private');
    expect(probe).not.toContain('babybot.db');
    expect(probe).toMatch(/No such file or directory/);
    // The runner's own file tools see the same view.
    const listed = await t.ask('local:main', 'list the project', { name: 'list_files', arguments: { path: '/workspace/project' } });
    expect(listed).toContain('README.md');
    expect(listed).not.toMatch(/\.env|data\/|groups\/|\.cache|babybot\.sock/);
  });

  it('the files BabyBot owns are 0600', () => {
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    expect(mode(path.join(t.bot.config.dataDir, 'babybot.db'))).toBe(0o600);
    for (const extra of ['babybot.db-wal', 'babybot.db-shm']) {
      const file = path.join(t.bot.config.dataDir, extra);
      if (fs.existsSync(file)) expect(mode(file), extra).toBe(0o600);
    }
  });
});
