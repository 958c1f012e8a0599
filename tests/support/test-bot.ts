// Starts a real BabyBot for a test: its own DATA_DIR and GROUPS_DIR (real SQLite files),
// the shared real Temporal server in a namespace of its own, and the scripted model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import type { StoredMessage } from '../../lib/store/store.js';
import { startBabyBot, type BabyBot, type StartOptions } from '../../workers/composition-root.js';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { eventually } from './eventually.js';
import { groupIdle } from './group-idle.js';
import { OllamaStub } from './ollama-stub.js';
import { claimNamespace, temporalAddress } from './temporal.js';

export interface TestBotOptions extends StartOptions {
  /** The stand-in, or a real Ollama (tests/real-model/): only its URL is used. */
  ollama: Pick<OllamaStub, 'url'>;
  /** Reuse a folder (to restart "the same installation"); a new temp folder otherwise. */
  dir?: string;
  namespace?: string;
  env?: Record<string, string>;
}

export interface TestBot extends BabyBot {
  dir: string;
  namespace: string;
  post(chat: string, text: string, extra?: { id?: string; sender?: string }): Promise<{ id: string; seq: number; duplicate: boolean; triggered: boolean }>;
  messages(chat: string): StoredMessage[];
  replies(chat: string): StoredMessage[];
  waitForReplies(chat: string, count: number, timeoutMs?: number): Promise<StoredMessage[]>;
  /** The owner's token as a request header, for the tests' own calls of the local API. */
  auth: { authorization: string };
  /** Waits until the group has nothing queued and no turn running (see group-idle.ts). */
  groupIdle(folder: string, timeoutMs?: number): Promise<void>;
}

export function testEnv(dir: string, namespace: string, ollama: Pick<OllamaStub, 'url'>, env: Record<string, string> = {}) {
  return {
    DATA_DIR: path.join(dir, 'data'),
    GROUPS_DIR: path.join(dir, 'groups'),
    HTTP_PORT: '0',
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_NAMESPACE: namespace,
    OLLAMA_HOST: ollama.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CONTAINER_RUNTIME: 'none',
    WHATSAPP_ENABLED: 'off',
    TZ: 'UTC',
    ...env,
  };
}

export async function startTestBot(options: TestBotOptions): Promise<TestBot> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-test-'));
  const namespace = options.namespace ?? claimNamespace();
  const config = loadConfig(testEnv(dir, namespace, options.ollama, options.env));
  const log = createLogger(config.LOG_LEVEL);
  // A test's bot stops within seconds (a step still in flight is cancelled); the product's
  // grace period is tested with real processes (tests/faults/shutdown-grace.test.ts).
  const bot = await startBabyBot(config, log, { shutdownGraceMs: 3000, ...options });
  const replies = (chat: string) => bot.store.messagesSince(chat).filter((m) => m.fromAssistant);
  return {
    ...bot,
    dir,
    namespace,
    async post(chat, text, extra = {}) {
      const res = await fetch(`${bot.httpUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.httpToken}` },
        body: JSON.stringify({ chat, text, ...extra }),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      return (await res.json()) as { id: string; seq: number; duplicate: boolean; triggered: boolean };
    },
    auth: { authorization: `Bearer ${bot.httpToken}` },
    messages: (chat) => bot.store.messagesSince(chat),
    replies,
    waitForReplies: (chat, count, timeoutMs = 30_000) =>
      eventually(() => (replies(chat).length >= count ? replies(chat) : undefined), {
        timeoutMs,
        what: () => `${count} replies in ${chat}, got ${replies(chat).length}: ${JSON.stringify(replies(chat).map((m) => m.text))}`,
      }),
    groupIdle: (folder, timeoutMs) => groupIdle(bot.client, folder, timeoutMs),
  };
}

export type { WorkflowBundleWithSourceMap };

/**
 * A test file's bot and model stand-in, started before its tests and stopped after them.
 * Read them inside the tests (`t.bot`, `t.ollama`): they exist once beforeAll has run.
 */
export function useTestBot(options: Omit<TestBotOptions, 'ollama' | 'workflowBundle'> = {}): { bot: TestBot; ollama: OllamaStub } {
  const handles = {} as { bot: TestBot; ollama: OllamaStub };
  beforeAll(async () => {
    handles.ollama = await new OllamaStub().start();
    handles.bot = await startTestBot({ ...options, ollama: handles.ollama, workflowBundle: await bundleWorkflows() });
  });
  afterAll(async () => {
    await handles.bot?.stop();
    await handles.ollama?.close();
  });
  return handles;
}
