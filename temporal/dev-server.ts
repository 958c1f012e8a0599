// Supervises BabyBot's own `temporal server start-dev`: SQLite under DATA_DIR, a health
// wait with its own timeout, a graceful stop, and no orphan when BabyBot dies. The SDK's
// own launcher cannot be used here: it downloads the server at run time, waits a fixed
// 5 s and hard-kills on teardown (see FINDINGS.md).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../contracts/search-attributes.js';
import { isAlive } from '../lib/process-alive.js';
import { startUiProxy, type UiProxy } from './ui-proxy.js';

export interface DevServerOptions {
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespaces: string[];
  /** No Web UI: tests that do not look at it start faster. (uiPort is then unused.) */
  headless?: boolean;
  healthTimeoutMs?: number;
  log?: (line: string) => void;
}

/** What a running server wrote about itself, so the next start can find one left by a crash. */
interface ServerRecord {
  pid: number;
  port: number;
  dbFile: string;
}

/** The server's HTTP listeners besides the Web UI BabyBot advertises (see start()). */
export interface HttpListeners {
  /** The HTTP API: it listens (the CLI cannot turn it off) but answers no Host at all. */
  httpApi: string;
  /** Prometheus metrics: read-only. */
  metrics: string;
  /** The UI server itself, at a private address the guarding proxy forwards to. */
  privateUi?: string;
}

/**
 * The HTTP API's Host rule: a name no request can carry (.invalid never resolves), so it
 * answers every request 403 "Host not allowed". BabyBot speaks gRPC only.
 */
const NO_HTTP_API_HOST = 'babybot-no-http-api.invalid';

// Runs the server as a child of a tiny shell that kills it when its stdin closes: the
// pipe closes when BabyBot exits in any way, SIGKILL included, so no server is orphaned.
// (stdin is kept as fd 3: a background job's own stdin is /dev/null.)
const WATCHDOG = `
exec 3<&0
"$@" </dev/null &
child=$!
echo "$child"
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
{ cat <&3 >/dev/null; kill -TERM "$child" 2>/dev/null; } &
watcher=$!
status=0
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
kill "$watcher" 2>/dev/null
exit $status
`;

export class DevServer {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  readonly address: string;
  readonly dbFile: string;
  readonly logFile: string;
  private readonly recordFile: string;
  private proxy?: UiProxy;
  listeners?: HttpListeners;

  constructor(private readonly options: DevServerOptions) {
    this.address = `127.0.0.1:${options.port}`;
    this.dbFile = path.join(options.dataDir, 'temporal.db');
    this.logFile = path.join(options.dataDir, 'logs', 'temporal.log');
    this.recordFile = path.join(options.dataDir, 'temporal-server.json');
  }

  /** The guarding proxy's address, once started (the UI server itself is never advertised). */
  get uiUrl(): string | undefined {
    return this.proxy?.url;
  }

  async start(): Promise<void> {
    const log = this.options.log ?? (() => {});
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
    await this.stopStaleServer(log);
    await assertPortFree(this.options.port, 'TEMPORAL_PORT');
    if (!this.options.headless) await assertPortFree(this.options.uiPort, 'TEMPORAL_UI_PORT');
    // The ports picked below are free when picked, but another program starting at the same
    // moment may bind one before the server does (seen in CI: "listen tcp 127.0.0.1:42073:
    // bind: address already in use" for the HTTP API). Such a start is tried again with new
    // ports; the gRPC and UI ports are the owner's, checked above, and never changed.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launch();
      } catch (error) {
        const lost = lostPickedPort(error, this.listeners);
        if (attempt >= MAX_LAUNCHES || lost === undefined) throw error;
        log(`The Temporal server could not listen on port ${lost}, which another program took meanwhile: starting it again on other ports.`);
      }
    }
  }

  private async launch(): Promise<void> {
    // Every HTTP port of the server meets the local API's rule or answers nothing (SECURITY.md):
    // the HTTP API answers no Host; the UI server, which answers any, listens at a private
    // address (a random one of 127/8 where the system has them all) and the proxy guards it.
    const httpApiPort = await freePort('127.0.0.1');
    const metricsPort = await freePort('127.0.0.1');
    const privateUi = this.options.headless ? undefined : await privateAddress();
    this.listeners = {
      httpApi: `127.0.0.1:${httpApiPort}`,
      metrics: `127.0.0.1:${metricsPort}`,
      privateUi: privateUi && `${privateUi.host}:${privateUi.port}`,
    };
    const args = [
      'server', 'start-dev',
      '--db-filename', this.dbFile,
      '--ip', '127.0.0.1',
      '--port', String(this.options.port),
      '--http-port', String(httpApiPort),
      '--metrics-port', String(metricsPort),
      '--dynamic-config-value', `frontend.httpAllowedHosts=${JSON.stringify([NO_HTTP_API_HOST])}`,
      '--log-level', 'warn',
      // WAL with synchronous=normal: a process crash loses nothing; only a power cut may lose
      // the last moments. It makes every workflow step several times cheaper.
      '--sqlite-pragma', 'journal_mode=wal',
      '--sqlite-pragma', 'synchronous=normal',
      // One machine, a handful of pollers: task queue partitions only add forwarding hops.
      '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
      '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
      // Task priorities: a free model or sandbox slot takes main's step before any other
      // group's (workflows/agent-turn.ts). Without the priority matcher they are ignored.
      '--dynamic-config-value', 'matching.useNewMatcher=true',
      // The dev server has one history shard, and its transfer queue is read at most ~20
      // times a second by default: every step of a turn (start a child, dispatch a task)
      // waited up to 50 ms for the next read. Measured: schedule-to-start 40 ms -> 2 ms.
      '--dynamic-config-value', 'history.transferProcessorMaxPollRPS=10000',
      '--dynamic-config-value', 'history.transferProcessorMaxPollHostRPS=10000',
      '--dynamic-config-value', 'history.visibilityProcessorMaxPollRPS=10000',
      '--dynamic-config-value', 'history.visibilityProcessorMaxPollHostRPS=10000',
      ...(privateUi ? ['--ui-ip', privateUi.host, '--ui-port', String(privateUi.port)] : ['--headless']),
      ...this.options.namespaces.flatMap((ns) => ['--namespace', ns]),
      ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ];
    const logFd = fs.openSync(this.logFile, 'a');
    const child = spawn('sh', ['-c', WATCHDOG, 'temporal-watchdog', this.options.cli, ...args], {
      stdio: ['pipe', 'pipe', logFd],
    });
    fs.closeSync(logFd);
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const serverPid = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim().split('\n')[0])));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the Temporal server exited at once (code ${code}); see ${this.logFile}`)));
    });
    // The server's own output goes to the log file; the watchdog only prints the pid.
    const logOut = fs.createWriteStream(this.logFile, { flags: 'a' });
    child.stdout!.pipe(logOut);
    const record: ServerRecord = { pid: serverPid, port: this.options.port, dbFile: this.dbFile };
    fs.writeFileSync(this.recordFile, JSON.stringify(record));
    try {
      await this.waitHealthy(this.options.healthTimeoutMs ?? 60_000);
      if (privateUi) this.proxy = await startUiProxy(this.options.uiPort, privateUi);
    } catch (error) {
      await this.stop();
      throw error;
    }
    // Every workflow's history (the chats' text among it): the owner's alone.
    for (const file of [this.dbFile, `${this.dbFile}-wal`, `${this.dbFile}-shm`, this.logFile]) {
      if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
    }
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    let exitCode: number | null | undefined;
    void this.exited?.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`The Temporal server stopped during start-up (exit ${exitCode}).\n${tailOf(this.logFile)}`);
      }
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: this.options.namespaces[0] ?? 'default' });
          return;
        } finally {
          await connection.close();
        }
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(
      `The Temporal server did not become healthy within ${Math.round(timeoutMs / 1000)}s ` +
        `(last error: ${(lastError as Error)?.message ?? 'none'}).\n${tailOf(this.logFile)}`,
    );
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the server has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.proxy?.close();
    this.proxy = undefined;
    const child = this.child;
    if (!child || !this.exited) return;
    this.child = undefined;
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.recordFile, { force: true });
  }

  /** A server left by a BabyBot that crashed (same SQLite file) holds the port and the file: stop it. */
  private async stopStaleServer(log: (line: string) => void): Promise<void> {
    let record: ServerRecord;
    try {
      record = JSON.parse(fs.readFileSync(this.recordFile, 'utf8')) as ServerRecord;
    } catch {
      return;
    }
    if (isAlive(record.pid) && commandLineOf(record.pid).includes(this.dbFile)) {
      log(`Stopping a Temporal server left running by an earlier BabyBot (pid ${record.pid}).`);
      process.kill(record.pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isAlive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
    }
    fs.rmSync(this.recordFile, { force: true });
  }
}

function commandLineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function tailOf(file: string, lines = 15): string {
  try {
    return `Last lines of ${file}:\n` + fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** A port free now on that address (the server binds it a moment later). */
/** Starts with freshly picked ports after a lost port race, at most this many times in all. */
const MAX_LAUNCHES = 3;

/** The picked port (HTTP API, metrics, the UI's private address) a failed start lost to another program, if that was why it failed. */
export function lostPickedPort(error: unknown, listeners: HttpListeners | undefined): number | undefined {
  const port = /listen tcp [\d.]+:(\d+): bind: address already in use/.exec((error as Error)?.message ?? '')?.[1];
  const picked = [listeners?.httpApi, listeners?.metrics, listeners?.privateUi].filter(Boolean).map((address) => address!.split(':').at(-1));
  return port !== undefined && picked.includes(port) ? Number(port) : undefined;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Where the UI server listens: a random address of 127/8 and a random port (about 40 bits a
 * web page would have to guess before it could even try DNS rebinding), where the system
 * routes the whole block to loopback (Linux); 127.0.0.1 elsewhere (macOS), a random port only.
 */
async function privateAddress(): Promise<{ host: string; port: number }> {
  const [a, b, c] = crypto.randomBytes(3);
  const host = `127.${a}.${b}.${Math.max(2, c === 255 ? 254 : c)}`;
  try {
    return { host, port: await freePort(host) };
  } catch {
    return { host: '127.0.0.1', port: await freePort('127.0.0.1') };
  }
}

async function assertPortFree(port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () =>
      reject(new Error(`Port ${port} on 127.0.0.1 is already in use by another program. Stop it, or set ${variable} to a free port.`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
