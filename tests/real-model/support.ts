// The real Ollama that scripts/components/ollama.sh starts (a real build, a real tiny model:
// SmolLM2-135M, whose answers are nonsense but every byte of the API is real). Under CI the
// tests never skip: no Ollama fails them loudly. Evidence "from Ollama's side" is its own
// request log (gin's line per request: status, duration, path).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { holdDirLock } from '../support/dir-lock.js';

/**
 * The clock of the real-model tests' bots: people's messages carry their sent time into the
 * prompt, and a real model at temperature 0 answers one prompt one way, but another minute
 * is another prompt (the 0.5B wrote `0 9 * * 1-5` at one minute, `0 9 * * 3-5` at another).
 * A Monday, before the 9:00 the reminder test asks for.
 */
export const promptClock = () => new Date('2026-12-07T08:00:00Z');

export const realOllama = {
  url: process.env.BABYBOT_REAL_OLLAMA_URL ?? '',
  model: process.env.BABYBOT_REAL_OLLAMA_MODEL ?? 'babybot-tiny',
  noToolsModel: process.env.BABYBOT_REAL_OLLAMA_MODEL_NOTOOLS ?? 'babybot-tiny-notools',
  /** A small model that really calls tools: Qwen2.5-Coder-0.5B-Instruct (tests/real-model/agent.test.ts). */
  toolModel: process.env.BABYBOT_REAL_TOOL_MODEL ?? 'babybot-qwen-0.5b',
  log: process.env.BABYBOT_OLLAMA_LOG ?? '',
};

/**
 * Unloads a model, so the next request starts from an empty cache. A small model at
 * temperature 0 still answers differently when part of its prompt came from the cache of an
 * earlier request (llama.cpp's sums run in another order): a test that starts cold gets the
 * same answer whatever ran before it in the suite.
 */
export async function unloadModel(model: string): Promise<void> {
  const res = await fetch(`${realOllama.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model, keep_alive: 0 }) });
  if (!res.ok) throw new Error(`unloading ${model} answered ${res.status}: ${await res.text()}`);
  await res.text();
}

/**
 * Holds the real Ollama for one test file until the returned release is called. Vitest runs
 * two files at once: another file's requests would show in this one's Ollama log, and would
 * warm the cache a test relies on being cold (the model unloaded, so a temperature-0 answer is
 * the same whatever ran before).
 */
export async function holdRealOllama(waitMs = 1_500_000): Promise<() => void> {
  return holdDirLock(path.join(os.tmpdir(), `babybot-real-ollama-${new URL(realOllama.url).port}.lock`), 'The real Ollama', waitMs);
}

/** True when the real Ollama is there; under CI=true its absence is an error, never a skip. */
export function haveRealOllama(): boolean {
  if (realOllama.url) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      'BABYBOT_REAL_OLLAMA_URL is not set: scripts/components/ollama.sh did not run or failed. ' +
        'CI runs the real-model tests; run `BABYBOT_TEST_ENV=.cache/test-env.sh bash scripts/components/ollama.sh`.',
    );
  }
  return false;
}

export interface OllamaRequestLine {
  status: number;
  duration: string;
  method: string;
  path: string;
  line: string;
}

/** Reads Ollama's request log from a byte offset on: what Ollama itself saw and answered. */
export class OllamaLog {
  private offset: number;

  constructor(private readonly file = realOllama.log) {
    this.offset = file && fs.existsSync(file) ? fs.statSync(file).size : 0;
  }

  /** The log's text since construction (or the last `mark`). */
  text(): string {
    if (!this.file) return '';
    const fd = fs.openSync(this.file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.max(0, size - this.offset));
      fs.readSync(fd, buffer, 0, buffer.length, this.offset);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  }

  mark(): void {
    this.offset = this.file && fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  /** gin's request lines: `[GIN] 2026/12/01 - 20:10:00 | 200 | 30.5s | 127.0.0.1 | POST "/api/chat"`. */
  requests(path?: string): OllamaRequestLine[] {
    const found: OllamaRequestLine[] = [];
    for (const line of this.text().split('\n')) {
      const match = /\[GIN\][^|]*\|\s*(\d{3})\s*\|\s*([^|]+?)\s*\|[^|]*\|\s*(\w+)\s+"([^"]+)"/.exec(line);
      if (match && (!path || match[4] === path)) {
        found.push({ status: Number(match[1]), duration: match[2], method: match[3], path: match[4], line: line.trim() });
      }
    }
    return found;
  }
}
