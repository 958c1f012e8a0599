// Bad input to `babybot model import` and to the embedded Ollama's settings, refused before
// Ollama sees it, each with one message that says what was wrong and what to do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGguf, ImportRefused, ModelName, toolsTemplate } from '../../cli/model-import.js';
import { loadConfig } from '../../lib/config.js';
import { loopbackPort, wantsEmbeddedOllama } from '../../lib/ollama-server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-import-'));
const write = (name: string, content: Buffer | string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};
const gguf = (version: number, size: number) => {
  const head = Buffer.alloc(size);
  head.write('GGUF', 0, 'latin1');
  head.writeUInt32LE(version, 4);
  return head;
};
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportRefused);
    return (error as Error).message;
  }
  throw new Error('not refused');
};

describe('checkGguf', () => {
  it('takes a GGUF file of version 2 or 3', () => {
    expect(checkGguf(write('ok.gguf', gguf(3, 4096)))).toEqual({ bytes: 4096 });
    expect(checkGguf(write('ok2.gguf', gguf(2, 4096)))).toEqual({ bytes: 4096 });
  });

  it('refuses what is not one, saying what a GGUF starts with', () => {
    const html = refusal(() => checkGguf(write('page.gguf', '<!doctype html><html>Not found</html>')));
    expect(html).toContain('is not a GGUF model file: it starts with "<!do"');
    expect(html).toContain('Download the model as a .gguf file');
    const safetensors = refusal(() => checkGguf(write('model.safetensors', Buffer.from([0x10, 0, 0, 0, 0, 0, 0, 0, 0x7b]))));
    expect(safetensors).toContain('is not a GGUF model file');
    expect(refusal(() => checkGguf(write('empty.gguf', '')))).toContain('is not a GGUF model file');
  });

  it('refuses a header without a model, an unknown version, a folder and a missing file', () => {
    expect(refusal(() => checkGguf(write('cut.gguf', gguf(3, 64))))).toContain('only 64 bytes');
    expect(refusal(() => checkGguf(write('v9.gguf', gguf(9, 4096))))).toContain('version 9, which Ollama does not read');
    expect(refusal(() => checkGguf(dir))).toContain('is not a regular file');
    expect(refusal(() => checkGguf(path.join(dir, 'nope.gguf')))).toContain('cannot be read (ENOENT)');
  });
});

describe('model names and the template', () => {
  it('takes the names Ollama takes, nothing that reaches a path or a URL', () => {
    for (const ok of ['qwen2.5:7b', 'qwen2.5-coder:0.5b', 'me/coder:latest', 'h22b-qwen05']) expect(ModelName.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['../x', 'a b', '', ':tag', 'a/b/c', 'x?y', 'a:b:c']) expect(ModelName.safeParse(bad).success, bad).toBe(false);
  });

  it('reads the tools template from the one Modelfile that holds it', () => {
    const { template, stop } = toolsTemplate();
    expect(template).toContain('.Tools');
    expect(template).toContain('<|im_start|>');
    expect(stop).toEqual(['<|im_end|>']);
  });
});

describe('when BabyBot runs its own Ollama', () => {
  const config = (env: Record<string, string>) => loadConfig(env);
  it('auto: only at the default OLLAMA_HOST, and only when nothing answers there', () => {
    expect(wantsEmbeddedOllama(config({}), false)).toBe(true);
    expect(wantsEmbeddedOllama(config({ OLLAMA_HOST: 'http://127.0.0.1:11434/' }), false)).toBe(true);
    expect(wantsEmbeddedOllama(config({}), true)).toBe(false);
    expect(wantsEmbeddedOllama(config({ OLLAMA_HOST: 'http://127.0.0.1:9999' }), false)).toBe(false);
    expect(wantsEmbeddedOllama(config({ OLLAMA_HOST: 'http://gpu-box:11434' }), false)).toBe(false);
  });

  it('on: at any OLLAMA_HOST nothing answers at; off: never', () => {
    expect(wantsEmbeddedOllama(config({ OLLAMA_EMBEDDED: 'on', OLLAMA_HOST: 'http://127.0.0.1:9999' }), false)).toBe(true);
    expect(wantsEmbeddedOllama(config({ OLLAMA_EMBEDDED: 'on', OLLAMA_HOST: 'http://127.0.0.1:9999' }), true)).toBe(false);
    expect(wantsEmbeddedOllama(config({ OLLAMA_EMBEDDED: 'off' }), false)).toBe(false);
  });

  it('only on loopback', () => {
    expect(loopbackPort('http://127.0.0.1:11434')).toBe(11434);
    expect(loopbackPort('http://localhost:5000')).toBe(5000);
    expect(() => loopbackPort('http://0.0.0.0:11434')).toThrow(/only on loopback/);
    expect(() => loopbackPort('https://127.0.0.1:11434')).toThrow(/only on loopback/);
  });
});
