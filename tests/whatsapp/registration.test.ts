import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerGroupHandler } from '../../activities/host-tools/register-group.js';
import type { HostToolDeps } from '../../activities/host-tools/types.js';
import { OutboundRouter } from '../../channel/outbound.js';
import { registerGroup, RegistrationError, unregisterGroup } from '../../lib/group-registration.js';
import { createLogger } from '../../lib/logger.js';
import { Store } from '../../lib/store/store.js';
import { checkToolArguments, toolsFor } from '../../contracts/tools/index.js';

const FAMILY = '120363000000000001@g.us';
const root = path.resolve(import.meta.dirname, '../..');

function storeWithFamily(): { store: Store; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-groups-'));
  const store = Store.open(path.join(dir, 'data', 'babybot.db'));
  store.ensureMainGroup();
  store.upsertChat({ jid: FAMILY, name: 'Family', channel: 'whatsapp', isGroup: true });
  return { store, dir };
}

describe('group registration', () => {
  it('registers a known chat with its name and trigger, and refuses bad folders, unknown chats and duplicates', () => {
    const { store } = storeWithFamily();
    const group = registerGroup(store, { jid: FAMILY, folder: 'family', triggerWord: '@Bot' });
    expect(group).toMatchObject({ name: 'Family', folder: 'family', triggerWord: 'Bot', requiresTrigger: true, isMain: false });
    const refuse = (input: Parameters<typeof registerGroup>[1]) => {
      try {
        registerGroup(store, input);
      } catch (error) {
        expect(error).toBeInstanceOf(RegistrationError);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refuse({ jid: '120363000000000009@g.us', folder: 'Bad Folder' })).toContain('lowercase letters, digits and dashes');
    expect(refuse({ jid: '120363000000000009@g.us', folder: 'global' })).toContain('global');
    expect(refuse({ jid: '120363000000000009@g.us', folder: 'club' })).toContain('has not seen the chat');
    expect(refuse({ jid: 'not-a-jid', folder: 'club' })).toContain('chat id');
    expect(refuse({ jid: FAMILY, folder: 'family2' })).toContain('already registered, in the folder "family"');
    expect(refuse({ jid: 'local:club', folder: 'family' })).toContain('already used');
    expect(() => unregisterGroup(store, 'main')).toThrow('main chat');
    expect(unregisterGroup(store, 'family').jid).toBe(FAMILY);
    expect(() => unregisterGroup(store, 'family')).toThrow('No group has the folder "family"');
  });

  it('register_group is offered to main only, and the host refuses it for any other group', async () => {
    expect(toolsFor(true)).toContain('register_group');
    expect(toolsFor(false)).not.toContain('register_group');
    const check = checkToolArguments('register_group', { chat: FAMILY, folder: 'Family!' });
    expect(check.ok).toBe(false);

    const { store } = storeWithFamily();
    // Registration needs the store, and the task service only to resume the folder's paused tasks.
    const tasks = { resumeGroup: async () => [] as string[] } as unknown as HostToolDeps['tasks'];
    const deps = { store, tasks, outbound: new OutboundRouter([]), assistantName: 'Baby', groupsDir: '/nonexistent', log: createLogger('silent') } as HostToolDeps;
    const invocation = (isMain: boolean) => ({
      tool: 'register_group',
      args: { chat: FAMILY, folder: 'family' },
      group: { folder: isMain ? 'main' : 'other', chat: 'local:x', name: 'x', isMain },
      turnId: 'turn:main:1',
    });
    await expect(registerGroupHandler(deps, invocation(false))).rejects.toMatchObject({ type: 'NotAllowed', nonRetryable: true });
    const first = await registerGroupHandler(deps, invocation(true));
    expect(first).toContain('Registered Family');
    // A retried step registers nothing again and answers as the first attempt did.
    expect(await registerGroupHandler(deps, invocation(true))).toBe(first);
    expect(store.groupByJid(FAMILY)?.folder).toBe('family');
  });

  it('`babybot groups add|list|remove` work on the store, with clear errors', () => {
    const { store, dir } = storeWithFamily();
    store.close();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(root, 'bin/babybot.js'), 'groups', ...args], {
        env: { ...process.env, DATA_DIR: path.join(dir, 'data'), ASSISTANT_NAME: 'Baby' },
        cwd: os.tmpdir(),
        encoding: 'utf8',
      });
    const added = cli('add', FAMILY, 'family', '--no-trigger');
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toContain('answers every message');
    const list = cli('list');
    expect(list.stdout).toMatch(new RegExp(`${FAMILY}\\s+Family\\s+whatsapp\\s+family\\s+every message`));
    expect(list.stdout).toMatch(/local:main\s+main\s+local\s+main\s+every message \(main\)/);
    const bad = cli('add', '120363000000000002@g.us', 'Book Club');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('lowercase letters, digits and dashes');
    expect(bad.stderr).not.toMatch(/^\s+at /m);
    expect(cli('remove', 'family').stdout).toContain('Removed Family');
  });
});
