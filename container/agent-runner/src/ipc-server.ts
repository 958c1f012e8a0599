// The runner's side of the file-watch IPC: watches requests/ (fs.watch, plus one scan at
// start for anything written before the watch existed), validates each file against the
// shared schema, executes it and writes the response atomically. A bad file is moved to
// errors/ with a reason and answered with an error; nothing a file contains can stop the
// runner.
import fs from 'node:fs';
import path from 'node:path';
import { IPC_DIRS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, RequestId, SandboxRequest, type SandboxResponse } from '../../ipc/schema.js';
import { execute, type ExecuteContext } from './execute.js';
import { NotRegularFile, openRegular, readUpTo } from './regular-file.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;

/** Answers kept for repeats: a retried step asks again with the same id after its worker died. */
const FINISHED_MEMORY = 50;

export class IpcServer {
  private readonly seen = new Set<string>();
  /** The answers of the last finished requests, by id: a repeat gets the answer, never a second run. */
  private readonly finished = new Map<string, SandboxResponse>();
  private watcher?: fs.FSWatcher;
  private readonly requests: string;
  private readonly responses: string;
  private readonly errors: string;

  constructor(
    readonly dir: string,
    private readonly context: ExecuteContext,
    private readonly log: (line: string) => void,
  ) {
    this.requests = path.join(dir, IPC_DIRS.requests);
    this.responses = path.join(dir, IPC_DIRS.responses);
    this.errors = path.join(dir, IPC_DIRS.errors);
  }

  start(): void {
    for (const sub of [this.requests, this.responses, this.errors]) fs.mkdirSync(sub, { recursive: true });
    this.watcher = fs.watch(this.requests, (_event, name) => {
      if (name) this.take(name.toString());
    });
    this.watcher.on('error', (error) => this.log(`watch error: ${error.message}`));
    for (const name of fs.readdirSync(this.requests)) this.take(name);
  }

  stop(): void {
    this.watcher?.close();
  }

  private take(name: string): void {
    // Temp files (".id.tmp") are not requests yet; each request is taken once.
    if (name.startsWith('.') || !name.endsWith('.json') || this.seen.has(name)) return;
    const file = path.join(this.requests, name);
    if (!fs.existsSync(file)) return;
    this.seen.add(name);
    this.handle(name, file)
      .catch((error: unknown) => this.log(`request ${name}: ${(error as Error).message}`))
      .finally(() => this.seen.delete(name));
  }

  private async handle(name: string, file: string): Promise<void> {
    const id = name.slice(0, -'.json'.length);
    if (!RequestId.safeParse(id).success) return this.refuse(name, undefined, 'the file name is not a valid request id');
    // Only the host writes here, but nothing in this folder may stop the runner: a FIFO or a
    // link is refused on its descriptor, never waited on or followed.
    let text: string;
    try {
      const { fd, stat } = openRegular(file, name, O_RDONLY);
      try {
        if (stat.size > MAX_REQUEST_BYTES) {
          return this.refuse(name, id, `the request is ${stat.size} bytes, over the limit of ${MAX_REQUEST_BYTES}`);
        }
        text = readUpTo(fd, stat.size).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      if (error instanceof NotRegularFile) return this.refuse(name, id, error.message);
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return this.refuse(name, id, `the request is not valid JSON (${(error as Error).message})`);
    }
    const parsed = SandboxRequest.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
      return this.refuse(name, id, `the request does not match the schema: ${problems}`);
    }
    fs.rmSync(file, { force: true });
    const earlier = this.finished.get(id);
    if (earlier) {
      this.log(`request ${id} was answered before: answering it again, not running it again`);
      return this.respond(earlier);
    }
    const response = await execute(id, parsed.data, this.context);
    this.finished.set(id, response);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.keys().next().value!);
    this.respond(response);
  }

  /** Moves the file to errors/ beside a reason, and answers it when it has a usable id. */
  private refuse(name: string, id: string | undefined, reason: string): void {
    this.log(`refused ${name}: ${reason}`);
    const source = path.join(this.requests, name);
    fs.renameSync(source, path.join(this.errors, name));
    fs.writeFileSync(path.join(this.errors, `${name}.reason.txt`), `${reason}\n`);
    if (id) this.respond({ id, ok: false, kind: 'refused', error: `Refused: ${reason}.` });
  }

  private respond(response: SandboxResponse): void {
    const temp = path.join(this.responses, `.${response.id}.tmp`);
    let body = JSON.stringify(response);
    // The host refuses bigger answers unread: say why instead of writing one.
    if (Buffer.byteLength(body) > MAX_RESPONSE_BYTES) {
      body = JSON.stringify({ id: response.id, ok: false, kind: 'failed', error: `The result is ${Buffer.byteLength(body)} bytes, over the limit of ${MAX_RESPONSE_BYTES}.` });
    }
    // Created new, never through a link or into a FIFO left at the temp name.
    fs.rmSync(temp, { force: true });
    const fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    try {
      fs.writeSync(fd, body);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, path.join(this.responses, `${response.id}.json`));
  }
}
