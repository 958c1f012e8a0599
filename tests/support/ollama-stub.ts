// The model's stand-in: a scripted HTTP server that speaks Ollama's real API (/api/chat
// streaming and not, with tool_calls and thinking; /api/tags, /api/show with capabilities,
// /api/ps, /api/pull, /api/version). BabyBot reaches it only through OLLAMA_HOST, exactly
// as it reaches a real Ollama, and it keeps Ollama's timing: no HTTP headers until the
// first token (the scripted delay), 400 for tools sent to a model without them, and a
// client that goes away ends the request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string; tool_calls?: unknown[]; tool_name?: string }[];
  tools?: { type: string; function: { name: string; description: string; parameters: unknown } }[];
  stream?: boolean;
  think?: boolean | string;
  keep_alive?: string | number;
  options?: { num_ctx?: number; [key: string]: unknown };
  truncate?: boolean;
  shift?: boolean;
}

export interface StubReply {
  content?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  /** Think this long before the first token (load + prompt reading): no headers until then. */
  delayMs?: number;
  /** Then this long between streamed pieces (the model writing). */
  pieceDelayMs?: number;
  /** Streamed first, in `message.thinking`, as a thinking model does. */
  thinking?: string;
  /** Answer with this HTTP status and error instead. */
  status?: number;
  error?: string;
}

export type Script = (request: ChatRequestBody, index: number) => StubReply | Promise<StubReply>;

/** What was written, without the time BabyBot's host ends a message with (its sent time, or the time now: turn-context.ts). */
export const withoutTimeNote = (text: string) => text.replace(/\n\n\((sent|It is now) [^\n]*\)$/, '');

export const lastUserText = (request: ChatRequestBody) =>
  withoutTimeNote([...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

/** The default script: echo the last user message (its words, not the time note), so replies are easy to match. */
export const echo: Script = (request) => ({ content: `echo: ${lastUserText(request)}` });

export class OllamaStub {
  readonly requests: ChatRequestBody[] = [];
  readonly models = new Set<string>();
  /** Capabilities /api/show reports per model (default: completion and tools). */
  readonly capabilities = new Map<string, string[]>();
  /** The context length /api/show reports. */
  contextLength = 32768;
  /** When set, /api/pull fails with this error (as Ollama does offline), after "pulling manifest". */
  pullError?: string;
  /** When set, /api/pull fails with this error halfway through the download (a connection cut). */
  pullMidwayError?: string;
  /** Names the registry does not know: /api/pull answers as Ollama does, "file does not exist" after "pulling manifest". */
  readonly unknownToRegistry = new Set<string>();
  /** How long a pull's download takes (between its first and last progress lines). */
  pullMs = 0;
  /** Pulls being downloaded right now. */
  pulling = 0;
  /** Chats whose client went away before the answer was complete. */
  aborted = 0;
  /** Warm-ups: empty chats (load the model) and chats of a system prompt alone (read the shared prefix too). */
  warmups = 0;
  /** The last warm-up's request: its options are the ones the model was loaded with. */
  lastWarmup?: ChatRequestBody;
  private loaded = new Set<string>();
  private script: Script = echo;
  private server?: http.Server;
  private port = 0;
  private chats = 0;
  /** Chats being answered right now: tests use it to see overlap. */
  inFlight = 0;
  maxInFlight = 0;

  constructor(models: string[] = ['qwen2.5:7b']) {
    for (const m of models) this.models.add(m);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setScript(script: Script): void {
    this.script = script;
  }

  /** Scripts a fixed sequence of replies, then falls back to echo. */
  setReplies(...replies: StubReply[]): void {
    this.script = (request, index) => replies[index] ?? echo(request, index);
    this.chats = 0;
  }

  async start(): Promise<this> {
    await this.up();
    return this;
  }

  /** Starts listening (again, on the same port after `down`). */
  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: (error as Error).message }));
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: BabyBot sees connection refused, as when Ollama is not running. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.down();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = req.method === 'POST' ? JSON.parse((await readAll(req)) || '{}') : {};
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    switch (url.pathname) {
      case '/api/version':
        return json(200, { version: '0.12.0-stub' });
      case '/api/tags':
        return json(200, {
          models: [...this.models].map((name) => ({
            name,
            model: name,
            modified_at: new Date().toISOString(),
            size: 4_683_087_332,
            digest: 'sha256:stub',
            details: { format: 'gguf', family: 'qwen2', parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
          })),
        });
      case '/api/show': {
        const name = body.model ?? body.name;
        if (!this.models.has(name)) return json(404, { error: `model '${name}' not found` });
        return json(200, {
          modelfile: '',
          parameters: '',
          template: '{{ .Prompt }}',
          capabilities: this.capabilitiesOf(name),
          details: { family: 'qwen2' },
          model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': this.contextLength },
        });
      }
      case '/api/ps':
        return json(200, { models: [...this.loaded].map((name) => ({ name, model: name, size: 1, digest: 'sha256:stub', expires_at: new Date(Date.now() + 300_000).toISOString() })) });
      case '/api/pull': {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        if (this.pullError) {
          res.write(`${JSON.stringify({ status: 'pulling manifest' })}\n`);
          return void res.end(`${JSON.stringify({ error: this.pullError })}\n`);
        }
        if (this.unknownToRegistry.has(body.model ?? body.name)) {
          res.write(`${JSON.stringify({ status: 'pulling manifest' })}\n`);
          return void res.end(`${JSON.stringify({ error: 'pull model manifest: file does not exist' })}\n`);
        }
        if (this.pullMidwayError) {
          res.write(`${JSON.stringify({ status: 'pulling manifest' })}\n`);
          res.write(`${JSON.stringify({ status: 'downloading', digest: 'sha256:stub', total: 100, completed: 50 })}\n`);
          return void res.end(`${JSON.stringify({ error: this.pullMidwayError })}\n`);
        }
        this.pulling++;
        try {
          for (const [status, completed] of [['pulling manifest', 0], ['downloading', 50], ['downloading', 100], ['success', 100]] as const) {
            res.write(`${JSON.stringify({ status, digest: 'sha256:stub', total: 100, completed })}\n`);
            if (status === 'downloading' && completed === 50 && this.pullMs > 0) await new Promise((resolve) => setTimeout(resolve, this.pullMs));
          }
        } finally {
          this.pulling--;
        }
        // Ollama's API takes `model`; older clients (ollama-js 0.6) still send `name`.
        this.models.add(body.model ?? body.name);
        return void res.end();
      }
      case '/api/chat':
        return this.chat(body as ChatRequestBody, res);
      default:
        return json(404, { error: `the stub has no ${url.pathname}` });
    }
  }

  private capabilitiesOf(model: string): string[] {
    return this.capabilities.get(model) ?? ['completion', 'tools'];
  }

  private async chat(request: ChatRequestBody, res: http.ServerResponse): Promise<void> {
    const reject = (status: number, error: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error }));
    };
    if (!this.models.has(request.model)) return reject(404, `model "${request.model}" not found, try pulling it first`);
    // Ollama checks capabilities before it runs anything, as here.
    const capabilities = this.capabilitiesOf(request.model);
    if (request.tools?.length && !capabilities.includes('tools')) return reject(400, `${request.model} does not support tools`);
    if (request.think === true && !capabilities.includes('thinking')) return reject(400, `"${request.model}" does not support thinking`);
    // With truncation off, a prompt over num_ctx is refused before anything runs, as Ollama's runner does.
    const promptTokens = Math.ceil(JSON.stringify([request.messages, request.tools ?? []]).length / 4);
    if (request.truncate === false && request.options?.num_ctx && promptTokens > request.options.num_ctx) {
      return reject(400, 'the input length exceeds the context length');
    }
    if (!request.messages?.some((m) => m.role !== 'system')) {
      // An empty chat loads the model and answers done at once (Ollama's warm-up); one with only
      // a system prompt (and tools) also reads that prefix into the cache, writing what num_predict allows.
      this.warmups++;
      this.lastWarmup = request;
      this.loaded.add(request.model);
      res.writeHead(200, { 'content-type': 'application/json' });
      const read = request.messages?.length ? { done_reason: 'length', prompt_eval_count: promptTokens, eval_count: 1 } : { done_reason: 'load' };
      return void res.end(JSON.stringify({ model: request.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, ...read }));
    }
    this.requests.push(request);
    const index = this.chats++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // A client that goes away ends the request, as in Ollama: nothing more is written.
    let gone = false;
    let wake: () => void = () => {};
    res.on('close', () => {
      if (!res.writableFinished) {
        gone = true;
        this.aborted++;
        wake();
      }
    });
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    try {
      const reply = await this.script(request, index);
      // No headers until the first token: the model loads and reads the whole prompt first.
      if (reply.delayMs) await sleep(reply.delayMs);
      if (gone) return;
      this.loaded.add(request.model);
      if (reply.status) {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: reply.error ?? 'scripted error' }));
      }
      const toolCalls = (reply.toolCalls ?? []).map((call) => ({ function: { name: call.name, arguments: call.arguments } }));
      const base = { model: request.model, created_at: new Date().toISOString() };
      const final = {
        ...base,
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: 'stop',
        total_duration: (reply.delayMs ?? 0) * 1e6,
        load_duration: 0,
        // What a tokenizer of ~4 characters per token would count for this prompt.
        prompt_eval_count: promptTokens,
        prompt_eval_duration: (reply.delayMs ?? 0) * 1e6,
        eval_count: Math.max(1, Math.ceil((reply.content ?? '').length / 4)),
        eval_duration: 1e6,
      };
      if (request.stream === false) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({ ...final, message: { role: 'assistant', content: reply.content ?? '', ...(toolCalls.length ? { tool_calls: toolCalls } : {}) } }),
        );
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const content = reply.content ?? '';
      // Thinking, then content, arrive in pieces as a real model streams them; tool calls in one chunk.
      const pieces = [
        ...(reply.thinking?.match(/.{1,12}/gs) ?? []).map((piece) => ({ role: 'assistant', content: '', thinking: piece })),
        ...(content.match(/.{1,12}/gs) ?? []).map((piece) => ({ role: 'assistant', content: piece })),
      ];
      for (const message of pieces) {
        if (reply.pieceDelayMs) await sleep(reply.pieceDelayMs);
        if (gone) return;
        res.write(`${JSON.stringify({ ...base, message, done: false })}\n`);
      }
      if (toolCalls.length) {
        res.write(`${JSON.stringify({ ...base, message: { role: 'assistant', content: '', tool_calls: toolCalls }, done: false })}\n`);
      }
      res.end(`${JSON.stringify(final)}\n`);
    } finally {
      this.inFlight--;
    }
  }
}

async function readAll(req: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}
