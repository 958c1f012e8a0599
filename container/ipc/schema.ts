// The file-watch IPC between the sandbox activity (host) and the agent runner (inside the
// group's container). One schema, compiled into both sides, so a request the host writes
// is exactly what the runner validates, and the runner's answer is what the host expects.
//
// Layout of a group's IPC folder (DATA_DIR/ipc/<folder> on the host, /workspace/ipc inside).
// The host owns the folder and its three subfolders (0755 / 0700): the runner reaches them
// as the container's root, the model's commands (another uid) cannot, so they can neither
// swap a subfolder for a link nor forge a request or an answer.
//   requests/<id>.json    written by the host (temp file + rename), deleted by the runner once read
//   responses/<id>.json   written by the runner (temp file + rename), deleted by the host once read
//   errors/<id>.json      a refused request, beside errors/<id>.reason.txt saying why
import { z } from 'zod';

/** Bigger request files are refused unread: a write_file of a few MB is not a sandbox step. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Bigger response files are refused unread by the host (and the runner answers with an error
 * instead of writing one): the largest honest answer, two outputs at their 10 MB limit with
 * JSON escaping, stays below it.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** File names are ids: letters, digits, - and _, so a name can never point outside the folder. */
export const RequestId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, - and _ (at most 100)');

export const IPC_DIRS = { requests: 'requests', responses: 'responses', errors: 'errors' } as const;

export const RunCommandRequest = z.object({
  type: z.literal('run_command'),
  command: z.string().min(1).max(100_000),
  timeoutMs: z.number().int().min(100).max(24 * 3600_000),
  /** Bytes kept of each of stdout and stderr; the rest is counted, not kept. */
  outputLimit: z.number().int().min(1).max(10_000_000),
});

export const ReadFileRequest = z.object({
  type: z.literal('read_file'),
  path: z.string().min(1).max(4096),
  maxBytes: z.number().int().min(1).max(10_000_000),
});

export const WriteFileRequest = z.object({
  type: z.literal('write_file'),
  path: z.string().min(1).max(4096),
  content: z.string().max(MAX_REQUEST_BYTES),
});

export const ListFilesRequest = z.object({
  type: z.literal('list_files'),
  path: z.string().min(1).max(4096),
});

/** Stops a running command: a step that timed out or was cancelled leaves no process behind. */
export const CancelRequest = z.object({
  type: z.literal('cancel'),
  target: RequestId,
});

/** The trivial step: answers at once (readiness checks, the benchmark). */
export const PingRequest = z.object({ type: z.literal('ping') });

export const SandboxRequest = z.discriminatedUnion('type', [
  RunCommandRequest,
  ReadFileRequest,
  WriteFileRequest,
  ListFilesRequest,
  CancelRequest,
  PingRequest,
]);
export type SandboxRequest = z.infer<typeof SandboxRequest>;
export type SandboxRequestType = SandboxRequest['type'];

export const CommandResult = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  cancelled: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  /** Bytes of output that were cut to stay under the limit. */
  stdoutCut: z.number().int().min(0),
  stderrCut: z.number().int().min(0),
  durationMs: z.number().min(0),
});
export type CommandResult = z.infer<typeof CommandResult>;

export const FileContent = z.object({ path: z.string(), content: z.string(), size: z.number().int(), cut: z.number().int().min(0) });
export const FileWritten = z.object({ path: z.string(), bytes: z.number().int() });
export const FileList = z.object({
  path: z.string(),
  entries: z.array(z.object({ name: z.string(), kind: z.enum(['file', 'dir', 'link', 'other']), size: z.number().int() })),
  more: z.number().int().min(0),
});
export const Pong = z.object({ pong: z.literal(true) });
export const Cancelled = z.object({ cancelled: z.boolean() });

/** What each request type answers: the host checks a result against the schema of what it asked. */
export const RESULTS = {
  run_command: CommandResult,
  read_file: FileContent,
  write_file: FileWritten,
  list_files: FileList,
  cancel: Cancelled,
  ping: Pong,
} satisfies Record<SandboxRequestType, z.ZodType>;
export type ResultOf<T extends SandboxRequestType> = z.infer<(typeof RESULTS)[T]>;

export const SandboxResponse = z.discriminatedUnion('ok', [
  z.object({ id: RequestId, ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: RequestId,
    ok: z.literal(false),
    /** refused: the request itself was bad (never retried); failed: it could not be done. */
    kind: z.enum(['refused', 'failed']),
    error: z.string(),
  }),
]);
export type SandboxResponse = z.infer<typeof SandboxResponse>;

/** The folders a group's container sees: where they are inside, where they really are, and whether it may write. */
export const Mount = z.object({
  path: z.string().startsWith('/workspace/'),
  real: z.string().startsWith('/'),
  writable: z.boolean(),
});
export type Mount = z.infer<typeof Mount>;
export const MountTable = z.array(Mount);
