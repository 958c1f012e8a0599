// `babybot model import FILE [--name N]`: makes an Ollama model from a GGUF file on this
// machine, for where the model registry cannot be reached. The file is checked before
// Ollama sees it (a GGUF starts with the bytes "GGUF"), uploaded as a blob, and created
// with a chat template that has a tools section (the one scripts/components/ollama-tools.Modelfile
// holds, ChatML as Qwen writes it), then the `tools` capability is read back: a model that
// cannot call tools is removed again, saying why.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { describeModel, numCtxFor, readModelInfo, type ModelInfo } from '../activities/model-info.js';
import { ollamaAgent, ollamaClient } from '../activities/ollama-client.js';
import { PACKAGE_DIR } from '../lib/package-paths.js';

const MODELFILE = path.join(PACKAGE_DIR, 'scripts', 'components', 'ollama-tools.Modelfile');
/** A real model is megabytes; less than a GGUF header and its tensor table is not one. */
const MIN_GGUF_BYTES = 1024;

/** Ollama's model names: a name, an optional namespace and tag (`qwen2.5:7b`, `me/coder:0.5b`). */
export const ModelName = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*(\/[a-zA-Z0-9][a-zA-Z0-9_.-]*)?(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?$/, {
    message: 'letters, digits, "." "_" "-", an optional "namespace/" and ":tag", e.g. qwen2.5-coder:0.5b',
  })
  .max(200);

export class ImportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportRefused';
  }
}

export interface ImportRequest {
  file: string;
  name: string;
  /** Where Ollama answers. */
  host: string;
  /** A Go template file instead of the tools template. */
  templateFile?: string;
  progress?: (line: string) => void;
}

export interface ImportResult {
  name: string;
  bytes: number;
  digest: string;
  info: ModelInfo;
  described: string;
  uploaded: boolean;
  ms: number;
}

/** Throws ImportRefused, saying what is wrong and what to do, when the file is not a GGUF model. */
export function checkGguf(file: string): { bytes: number } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new ImportRefused(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Give the path of a .gguf model file.`);
  }
  if (!stat.isFile()) throw new ImportRefused(`${file} is not a regular file. Give the path of a .gguf model file.`);
  const head = Buffer.alloc(8);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, head, 0, 8, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read < 8 || head.subarray(0, 4).toString('latin1') !== 'GGUF') {
    const seen = JSON.stringify(head.subarray(0, Math.min(read, 4)).toString('latin1'));
    throw new ImportRefused(
      `${file} is not a GGUF model file: it starts with ${seen}, and a GGUF file starts with "GGUF". ` +
        'Download the model as a .gguf file (a single file, not a safetensors folder or a part of a split download), then import that.',
    );
  }
  const version = head.readUInt32LE(4);
  if (version < 2 || version > 3) {
    throw new ImportRefused(`${file} is a GGUF file of version ${version}, which Ollama does not read (it reads versions 2 and 3). Use a newer conversion of the model.`);
  }
  if (stat.size < MIN_GGUF_BYTES) throw new ImportRefused(`${file} is only ${stat.size} bytes: a GGUF header without a model. The download may have been cut off; fetch it again.`);
  return { bytes: stat.size };
}

/** The tools template and its stop words, read from the one Modelfile that holds them. */
export function toolsTemplate(): { template: string; stop: string[] } {
  const text = fs.readFileSync(MODELFILE, 'utf8');
  const template = /^TEMPLATE """([\s\S]*?)"""/m.exec(text)?.[1];
  if (!template) throw new Error(`${MODELFILE} has no TEMPLATE """…""" block`);
  const stop = [...text.matchAll(/^PARAMETER stop (.+)$/gm)].map((m) => m[1].trim().replace(/^"(.*)"$/, '$1'));
  return { template, stop };
}

export async function importModel(request: ImportRequest): Promise<ImportResult> {
  const progress = request.progress ?? (() => {});
  const began = performance.now();
  const name = ModelName.safeParse(request.name);
  if (!name.success) throw new ImportRefused(`--name ${JSON.stringify(request.name)} is not a model name Ollama takes: ${name.error.issues[0].message}.`);
  const { bytes } = checkGguf(request.file);
  const { template, stop } = request.templateFile
    ? { template: readTemplate(request.templateFile), stop: ['<|im_end|>'] }
    : toolsTemplate();

  progress(`Checking ${path.basename(request.file)} (${(bytes / 1e9).toFixed(2)} GB)…`);
  const digest = `sha256:${await sha256Of(request.file)}`;
  const blob = new URL(`/api/blobs/${digest}`, request.host);
  const uploaded = (await fetch(blob, { method: 'HEAD' })).status !== 200;
  if (uploaded) await upload(request.file, bytes, blob, progress);

  progress(`Creating ${name.data} in Ollama…`);
  const created = await fetch(new URL('/api/create', request.host), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: name.data, files: { [path.basename(request.file)]: digest }, template, parameters: { stop }, stream: false }),
  });
  if (!created.ok) {
    throw new ImportRefused(`Ollama could not create ${name.data} from ${request.file}: ${await errorOf(created)}. The file may be damaged or of an architecture this Ollama cannot run.`);
  }
  const ollama = ollamaClient(request.host, ollamaAgent(0));
  const info = await readModelInfo(ollama, name.data);
  if (!info.tools) {
    await ollama.delete({ model: name.data }).catch(() => {});
    throw new ImportRefused(
      `The model made from ${request.file} cannot call tools (Ollama reports ${JSON.stringify(info.capabilities)}), so BabyBot could only chat with it; it was removed again. ` +
        (request.templateFile
          ? `The template ${request.templateFile} has no tools section ({{ .Tools }}): import without --template to use BabyBot's, or add one.`
          : 'Ollama found no tools section in the template.'),
    );
  }
  return { name: name.data, bytes, digest, info, described: describeModel(info, numCtxFor(info)), uploaded, ms: Math.round(performance.now() - began) };
}

function readTemplate(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ImportRefused(`The template ${file} cannot be read (${(error as Error).message}).`);
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Streams the file to Ollama's blob store (Ollama checks the digest), reporting every 10 %. */
async function upload(file: string, bytes: number, blob: URL, progress: (line: string) => void): Promise<void> {
  let sent = 0;
  let shown = -1;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      const tenth = Math.floor((sent / bytes) * 10);
      if (tenth !== shown) {
        shown = tenth;
        progress(`  copying into Ollama: ${tenth * 10}% of ${(bytes / 1e9).toFixed(2)} GB`);
      }
      done(null, chunk);
    },
  });
  const body = Readable.toWeb(fs.createReadStream(file).pipe(counter)) as ReadableStream<Uint8Array>;
  const res = await fetch(blob, { method: 'POST', body, duplex: 'half' } as RequestInit);
  if (!res.ok) throw new ImportRefused(`Ollama did not take the file (${res.status}: ${await errorOf(res)}).`);
}

async function errorOf(res: Response): Promise<string> {
  const text = await res.text();
  try {
    return (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    return text.slice(0, 300) || `HTTP ${res.status}`;
  }
}
