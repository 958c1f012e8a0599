// All configuration comes from the environment (and an optional .env file), is
// validated here in one place, and is handed to everything else as a plain object.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseApproveTools } from '../contracts/approvals.js';
import { whatsappJid } from '../contracts/chat-ids.js';
import { BUILTIN_SKILLS_DIR } from './package-paths.js';
import { parseDuration } from './duration.js';

/** A duration in ms; with `orOff`, `off` (or 0) is 0, no limit, and any other zero is refused. */
const durationMs = (fallback: string, orOff = false) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      if (orOff && (text === 'off' || text === '0')) return 0;
      const ms = parseDuration(text);
      if (ms === undefined || (orOff && ms === 0)) {
        ctx.addIssue({ code: 'custom', message: orOff ? 'off, or a duration such as 10m' : 'a duration such as 90s, 30m or 1h' });
        return z.NEVER;
      }
      return ms;
    });

// 0 means any free port (tests, or several instances on one machine).
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const bytes = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
      if (!match || Number(match[1]) <= 0) {
        ctx.addIssue({ code: 'custom', message: 'a size such as 500m, 2g or 1048576' });
        return z.NEVER;
      }
      return Math.round(Number(match[1]) * UNITS[match[2].toLowerCase()]);
    });
const onOffAuto = z
  .enum(['auto', 'on', 'off', 'true', 'false', '1', '0'])
  .default('auto')
  .transform((v) => (v === 'true' || v === '1' ? 'on' : v === 'false' || v === '0' ? 'off' : v));
const timeZone = z
  .string()
  .optional()
  .refine((tz) => tz === undefined || isKnownTimeZone(tz), 'an IANA time zone such as Europe/Paris');

export const ConfigSchema = z.object({
  ASSISTANT_NAME: z.string().min(1).regex(/^[\p{L}\p{N}_-]+$/u, 'one word of letters or digits').default('Baby'),
  DATA_DIR: z.string().min(1).default('./data'),
  GROUPS_DIR: z.string().min(1).default('./groups'),
  SKILLS_DIR: z.string().min(1).optional(),
  PROJECT_DIR: z.string().min(1).optional(),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port(3000),
  // Required of every HTTP request (but the health check) when HTTP_HOST is not loopback;
  // unset, BabyBot makes one in DATA_DIR/http-token.
  HTTP_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  // Host names the API answers to besides loopback and HTTP_HOST (comma-separated).
  HTTP_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((h) => h.trim()).filter(Boolean)),
  MAX_EVENT_STREAMS: positiveInt(32),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'host:port, such as temporal.example.org:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI: z.string().min(1).optional(),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_UI_URL: z.url().optional(),
  TEMPORAL_TASK_QUEUE_PREFIX: z.string().regex(/^[\w-]+$/, 'letters, digits, - and _').default('babybot'),
  TEMPORAL_RETENTION: durationMs('30d'),
  OLLAMA_HOST: z.url('a URL such as http://127.0.0.1:11434').default('http://127.0.0.1:11434'),
  OLLAMA_MODEL: z.string().min(1).default('qwen2.5:7b'),
  // An `ollama serve` of BabyBot's own, on loopback with its models under DATA_DIR: auto when
  // OLLAMA_HOST is the default and nothing answers there; on: at OLLAMA_HOST (loopback) whenever
  // nothing answers there; off: never (an Ollama that is not running is reported).
  OLLAMA_EMBEDDED: onOffAuto,
  // The `ollama` binary the embedded server runs; unset: the PATH's, else the one BabyBot builds with Go.
  OLLAMA_BIN: z.string().min(1).optional(),
  OLLAMA_PULL: onOffAuto,
  // The model's context window for every step; default: the model's own (from /api/show), capped.
  OLLAMA_NUM_CTX: z.coerce.number().int().min(512, 'at least 512 tokens').max(1_048_576).optional(),
  // CPU threads Ollama's runner uses (options.num_thread); unset: Ollama's own choice (its physical cores).
  OLLAMA_NUM_THREAD: z.coerce.number().int().min(1, 'at least 1 thread').max(1024).optional(),
  // The longest Ollama may stay silent, before its first token (HTTP headers) or between two
  // pieces; off: no limit of its own, MODEL_TIMEOUT and the heartbeats bound a step.
  OLLAMA_HTTP_TIMEOUT: durationMs('off', true),
  // How long Ollama keeps the model (and its prompt cache) loaded after a step: a Go duration
  // (5m, 24h), seconds, or -1 (forever). Ollama's own 5m unloads it between most human replies,
  // and the next message then waits for a load and reads its whole prompt again; 24h keeps a
  // daily assistant warm, at the cost of the model's memory while idle (set 5m to free it sooner).
  OLLAMA_KEEP_ALIVE: z
    .string()
    .regex(/^(-1|\d+|(\d+(\.\d+)?(ms|s|m|h))+)$/, 'a duration such as 5m or 24h, a number of seconds, or -1 (keep loaded)')
    .default('24h'),
  // Load the model when BabyBot starts, so the first message does not wait for it.
  OLLAMA_WARMUP: onOffAuto,
  // Thinking models (the `thinking` capability) think first; off asks them not to.
  OLLAMA_THINK: onOffAuto,
  MODEL_TIMEOUT: durationMs('5m'),
  CONTAINER_RUNTIME: z.enum(['auto', 'docker', 'apple-container', 'none']).default('auto'),
  DOCKER_HOST: z.string().regex(/^(unix|tcp):\/\/.+/, 'unix:///path/to/docker.sock or tcp://host:port').optional(),
  SANDBOX_IMAGE: z.string().min(1).default('babybot-agent:latest'),
  SANDBOX_IDLE_TIMEOUT: durationMs('30m'),
  SANDBOX_STEP_TIMEOUT: durationMs('2m'),
  SANDBOX_MEMORY_MB: positiveInt(512),
  SANDBOX_CPUS: z.coerce.number().positive().default(1),
  SANDBOX_PIDS: positiveInt(128),
  SANDBOX_TMPFS_MB: positiveInt(64),
  SANDBOX_OUTPUT_LIMIT: positiveInt(32_000),
  // A group's writable folders may hold this much (bytes, and files/folders/links): a step
  // that crosses either fails, saying so, and while over only commands that free space run.
  GROUP_DISK_LIMIT: bytes('1g'),
  GROUP_INODE_LIMIT: positiveInt(50_000),
  // Groups other than main: at most this many tasks, none more often than TASK_MIN_INTERVAL.
  TASKS_PER_GROUP: positiveInt(10),
  TASK_MIN_INTERVAL: durationMs('5m'),
  // Tools whose calls wait for the owner's yes in every group that is not main (comma-separated,
  // e.g. run_command,send_file; a group's own list from `groups add --approve` adds to it), and
  // how long a call waits for the answer before it is not run.
  APPROVE_TOOLS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      try {
        return parseApproveTools(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  APPROVAL_TIMEOUT: durationMs('24h'),
  // How often a task run waiting for its turn checks that its group still holds it (a group
  // terminated, reset or migrated meanwhile never says the turn ended): then it queues it again.
  GROUP_JOB_CHECK: durationMs('5m'),
  MAX_CONCURRENT_MODEL_CALLS: positiveInt(2),
  MAX_CONCURRENT_SANDBOXES: positiveInt(5),
  MAX_CONCURRENT_CHANNEL_ACTIVITIES: positiveInt(20),
  AGENT_MAX_STEPS: positiveInt(12),
  // Sub-agents (the delegate tool, workflows/delegate.ts), checked on the host from the store.
  // AGENT_DEPTH 1: a turn may delegate, its sub-agents may not (2: they may, once more).
  AGENT_DEPTH: z.coerce.number().int().min(1).max(3).default(1),
  // The main chat: sub-agents one turn may start, and alive at once in the group (waiting or in the background).
  AGENTS_PER_TURN: positiveInt(4),
  AGENTS_ALIVE: positiveInt(8),
  // Model steps of one sub-agent, and of all the sub-agents of one turn together.
  AGENT_STEPS: positiveInt(6),
  AGENT_TURN_STEPS: positiveInt(24),
  // A sub-agent still working after this is stopped (the server enforces it too) and reports timed-out.
  AGENT_DEADLINE: durationMs('10m'),
  // Groups other than main (assumed hostile): tighter; GROUP_AGENTS_PER_TURN=0 offers them no delegate at all.
  GROUP_AGENTS_PER_TURN: z.coerce.number().int().min(0).default(2),
  GROUP_AGENTS_ALIVE: positiveInt(2),
  GROUP_AGENT_TURN_STEPS: positiveInt(8),
  CONTEXT_MESSAGES: positiveInt(30),
  WHATSAPP_ENABLED: onOffAuto,
  WHATSAPP_MAIN_CHAT: whatsappJid.optional(),
  // Where Baileys connects; only for tests and proxies (WhatsApp's own server by default).
  WHATSAPP_WS_URL: z.url('a WebSocket URL such as wss://web.whatsapp.com/ws/chat').optional(),
  // Telegram (channel/telegram/): a bot token from @BotFather turns the channel on. The token is
  // a password: it is never logged, shown in errors, or handed to a sandbox or a prompt.
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d{1,20}:[\w-]{20,100}$/, 'a bot token from @BotFather, such as 123456789:AA… (digits, a colon, then letters)')
    .optional(),
  // The owner's Telegram user id (a number; @userinfobot tells it): their private chat with the
  // bot is a main chat. Unset: `babybot telegram link` sets it.
  TELEGRAM_OWNER_ID: z.string().regex(/^\d{1,16}$/, "a Telegram user id, digits only (ask @userinfobot for yours)").optional(),
  // Where the Bot API (and its file downloads) is: Telegram's own, or a local Bot API server.
  TELEGRAM_API_ROOT: z.url('a URL such as https://api.telegram.org').default('https://api.telegram.org'),
  // How long one long-polling getUpdates waits for news (Telegram allows up to 50s).
  TELEGRAM_POLL_TIMEOUT: durationMs('30s'),
  // Webhook mode instead of long polling: the public https URL Telegram posts updates to,
  // proxied to TELEGRAM_WEBHOOK_HOST:TELEGRAM_WEBHOOK_PORT (channel/telegram/webhook.ts).
  TELEGRAM_WEBHOOK_URL: z.url('the public https URL Telegram posts updates to, such as https://bot.example.org/telegram').optional(),
  TELEGRAM_WEBHOOK_HOST: z.string().min(1).default('127.0.0.1'),
  TELEGRAM_WEBHOOK_PORT: port(8443),
  // Media: the largest file taken in (a voice note, photo, document) or sent back with send_file.
  MEDIA_MAX_BYTES: z.coerce.number().int().min(1024, 'at least 1024 bytes').default(16 * 1024 * 1024),
  // A WhatsApp media download, a re-upload by the sender's phone included, ends after this.
  MEDIA_DOWNLOAD_TIMEOUT: durationMs('60s'),
  // Groups other than main: at most this many files an hour and this many bytes a day.
  MEDIA_GROUP_RATE: positiveInt(30),
  MEDIA_GROUP_QUOTA: bytes('200m'),
  // The longest voice note transcribed (its real length, read from the file before decoding).
  VOICE_MAX_SECONDS: positiveInt(600),
  // A whisper.cpp model file (ggml-*.bin) for transcribing voice notes locally; unset: not transcribed.
  WHISPER_MODEL: z.string().min(1).optional(),
  WHISPER_THREADS: positiveInt(2),
  MAX_CONCURRENT_MEDIA: positiveInt(1),
  TZ: timeZone,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** Absolute forms of the folders, resolved once against the working directory. */
  dataDir: string;
  groupsDir: string;
  /** The skills the agent is offered (SKILL.md folders), mounted read-only into every container. */
  skillsDir: string;
  /** The folder the main group's container sees read-only at /workspace/project. */
  projectDir: string;
  /** The time zone schedules and prompts use: TZ, else the machine's. */
  timeZone: string;
};

const SECRETS = new Set(['TELEGRAM_BOT_TOKEN', 'HTTP_TOKEN']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `BabyBot's configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet these in the environment or in .env, then start again.',
    );
    this.name = 'ConfigError';
  }
}

/** Validates every variable at once, so one start reports all problems rather than the first. */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const known = Object.keys(ConfigSchema.shape);
  // A secret's value is never repeated in an error (errors reach logs and terminals).
  const shown = (key: string) => (SECRETS.has(key) ? '(hidden)' : JSON.stringify(env[key] ?? ''));
  const input = Object.fromEntries(
    known.map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      return `${key}=${shown(key)} is not valid: expected ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const parsed = result.data;
  return {
    ...parsed,
    dataDir: path.resolve(cwd, parsed.DATA_DIR),
    groupsDir: path.resolve(cwd, parsed.GROUPS_DIR),
    skillsDir: parsed.SKILLS_DIR ? path.resolve(cwd, parsed.SKILLS_DIR) : BUILTIN_SKILLS_DIR,
    projectDir: path.resolve(cwd, parsed.PROJECT_DIR ?? '.'),
    timeZone: parsed.TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
  };
}

/** Reads KEY=VALUE lines of a .env file into env, never overriding what the environment already sets. */
export function readDotEnv(file: string, env: Record<string, string | undefined> = process.env): void {
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split(os.EOL)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const value = match[2].replace(/^(['"])(.*)\1$/, '$2');
    if (env[match[1]] === undefined) env[match[1]] = value;
  }
}

export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
