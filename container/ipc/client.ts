// The host's side of the file-watch IPC: writes one request atomically into the group's
// requests/ folder and waits, with fs.watch on responses/ (no polling), for the runner's
// answer. Used only by the sandbox activity, only for a container's own folder.
// What the runner writes is read like any container-writable path (lib/safe-fs): the two
// folders are checked to be real before every use, a response that is a link, a FIFO or
// over MAX_RESPONSE_BYTES is refused unread, and a request is created with O_EXCL|O_NOFOLLOW.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assertRealFolder, readContained, UnsafePathError, writeNewFile } from '../../lib/safe-fs.js';
import { IPC_DIRS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, SandboxResponse, type SandboxRequest } from './schema.js';

export interface WaitOptions {
  signal?: AbortSignal;
  /** Rejects when the other side is gone (the container died): no answer will come. */
  gone?: Promise<never>;
}

export class RequestTooLargeError extends Error {
  override name = 'RequestTooLargeError';
}

export class IpcClient {
  private readonly requests: string;
  private readonly responses: string;

  constructor(readonly dir: string) {
    this.requests = path.join(dir, IPC_DIRS.requests);
    this.responses = path.join(dir, IPC_DIRS.responses);
  }

  /** Throws unless requests/ and responses/ are real folders (never a link planted in their place). */
  checkFolders(): void {
    assertRealFolder(this.dir);
    assertRealFolder(this.requests);
    assertRealFolder(this.responses);
  }

  /** Drops requests and answers left by a container that is gone, so a new one never runs a stale step. */
  clear(): void {
    this.checkFolders();
    // rm never follows a link: an entry that is one is removed itself, its target is untouched.
    for (const sub of [this.requests, this.responses]) {
      for (const name of fs.readdirSync(sub)) fs.rmSync(path.join(sub, name), { force: true, recursive: true });
    }
  }

  /** Sends a request and waits for its answer; the id is the request's file name (a retry uses a new one). */
  async call(request: SandboxRequest, options: WaitOptions = {}, id: string = crypto.randomUUID()): Promise<SandboxResponse> {
    const body = JSON.stringify(request);
    if (Buffer.byteLength(body) > MAX_REQUEST_BYTES) {
      throw new RequestTooLargeError(`The request is ${Buffer.byteLength(body)} bytes; the sandbox takes at most ${MAX_REQUEST_BYTES}.`);
    }
    this.checkFolders();
    const name = `${id}.json`;
    const answer = path.join(this.responses, name);
    let watcher: fs.FSWatcher | undefined;
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<SandboxResponse>((resolve, reject) => {
        const tryRead = () => {
          let text: string | undefined;
          try {
            text = readContained(this.responses, answer, MAX_RESPONSE_BYTES);
          } catch (error) {
            if (!(error instanceof UnsafePathError)) return; // being renamed into place; the next event reads it
            fs.rmSync(answer, { force: true });
            return reject(new UnsafePathError(`The sandbox's answer to request ${id} was refused: ${error.message.split(this.dir).join('IPC')}`));
          }
          if (text === undefined) return; // not there yet
          fs.rmSync(answer, { force: true });
          const parsed = SandboxResponse.safeParse(safeJson(text));
          if (parsed.success && parsed.data.id === id) resolve(parsed.data);
          else reject(new Error(`The sandbox answered request ${id} with something unreadable: ${text.slice(0, 200)}`));
        };
        // Watch before writing, so an answer faster than us is not missed.
        watcher = fs.watch(this.responses, (_event, file) => {
          if (file?.toString() === name) tryRead();
        });
        watcher.on('error', reject);
        if (options.signal) {
          if (options.signal.aborted) return reject(options.signal.reason);
          onAbort = () => reject(options.signal!.reason);
          options.signal.addEventListener('abort', onAbort, { once: true });
        }
        options.gone?.catch(reject);
        const temp = path.join(this.requests, `.${id}.tmp`);
        // A temp file left by a crashed attempt with the same id (a link, even) is removed, not written through.
        fs.rmSync(temp, { force: true });
        writeNewFile(temp, body);
        fs.renameSync(temp, path.join(this.requests, name));
        tryRead();
      });
    } finally {
      watcher?.close();
      // Given up (cancelled, container gone) before the runner took it: it must not run later.
      fs.rmSync(path.join(this.requests, name), { force: true });
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * call(), and a command given up on (the step cancelled or timed out) is stopped inside the
 * container too: the runner is sent a cancel for it. Every runtime calls its sandbox this way.
 */
export async function callStoppingOnAbort(
  ipc: IpcClient,
  request: SandboxRequest,
  options: WaitOptions,
  id: string,
  onCancelFailed: (error: unknown) => void,
): Promise<SandboxResponse> {
  try {
    return await ipc.call(request, options, id);
  } catch (error) {
    if (options.signal?.aborted && request.type === 'run_command') {
      await ipc.call({ type: 'cancel', target: id }, { gone: options.gone, signal: AbortSignal.timeout(5000) }).catch(onCancelFailed);
    }
    throw error;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
