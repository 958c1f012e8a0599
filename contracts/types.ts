// The data that crosses between the channel, workflows and activities. Plain JSON, small,
// so every input and result reads well in the Temporal Web UI.
import type { AgentBrief, AgentResult } from './agents.js';
import type { CommandName } from './commands.js';

/**
 * A message handed to a group's workflow: a reference to the stored message (stored first,
 * so `seq` is its place in the chat), never its text, which a person can grow without limit:
 * the turn reads the text from the store. Built by messageRef (contracts/message-ref.ts),
 * bounded in bytes.
 */
export interface InboundMessage {
  id: string;
  chat: string;
  sender: string;
  /** The sender's chosen name, cut to NAME_BYTES. */
  senderName?: string;
  /** The start of the text, cut to PREVIEW_BYTES: for the Web UI (the turn's memo and summary) only. */
  preview?: string;
  /**
   * The full text, as histories recorded before references carry it: accepted, never read
   * (the turn reads the stored text) and never sent any more.
   */
  text?: string;
  /** ISO 8601. */
  timestamp: string;
  seq: number;
  /**
   * Set by a channel process that runs workflow tasks too: the turn that answers this
   * message may read its context and deliver its reply in that process (local activities).
   */
  localChannel?: boolean;
}

export interface GroupWorkflowInput {
  folder: string;
  /**
   * The chat registered when the workflow was started: shown in the Web UI (search
   * attribute), never used to route. Every turn reads its chat from the registered group.
   */
  chat: string;
  /** Messages received but not yet answered, carried across continue-as-new. */
  queue: InboundMessage[];
  /** Task runs and retries waiting for their turn, carried across continue-as-new. */
  jobs?: GroupJob[];
  /** Ids already taken into a turn (most recent last), so a duplicate delivery starts no second turn. */
  handled: string[];
  /** Turns after which the workflow continues as new, bounding its history. */
  turnsPerRun: number;
  /**
   * How long the group lets one turn run before the server stops it and the group tells the
   * chat and moves on (the turn's run timeout); DEFAULT_TURN_TIMEOUT_MS when absent.
   */
  turnTimeoutMs?: number;
  /** An idle run continues as new once it is this old (DEFAULT_RUN_MAX_AGE_MS when absent). */
  runMaxAgeMs?: number;
  /** The group's last failed turn, for /status, carried across continue-as-new. */
  lastFailure?: TurnFailure;
  /** Background sub-agents' results not yet delivered to the chat, carried across continue-as-new. */
  agentResults?: AgentReport[];
}

/** What a sub-agent's workflow runs: decided by the host (planDelegation), never by the model. */
export interface AgentRunInput {
  /** agent:<folder>:<turn>:<n>, also its workflow id. */
  agentId: string;
  folder: string;
  /** The turn whose sub-agent it is (the root turn, for nested ones too). */
  turnId: string;
  brief: AgentBrief;
  /** The tools it is offered: the group's own, as the brief narrows them, never more. */
  tools: string[];
  maxSteps: number;
  deadlineMs: number;
  /** Started with wait false: its result goes to the chat through the group's queue. */
  background: boolean;
  /** Where its working files go, relative to the group's folder (created by the sandbox on first write). */
  scratch: string;
}

/** The host's answer to a delegate call: the sub-agents to start, or why none may. */
export type DelegationPlan = { ok: true; background: boolean; agents: AgentRunInput[] } | { ok: false; error: string };

/** A background sub-agent's result on its way to the chat, through the group's queue. */
export interface AgentReport {
  result: AgentResult;
  /** The start of its brief, so the chat knows which job this answers. */
  brief: string;
}

/** A turn that failed (or was stopped), as /status names it: its run, its cause. */
export interface TurnFailure {
  turnId: string;
  runId: string;
  type: string;
  /** Bounded: the start of the cause's message. */
  message: string;
  /** ISO 8601. */
  at: string;
}

/**
 * A chat command (contracts/commands.ts) on its way to the group's workflow: a reference to
 * the stored message, the parsed command, and who asks as the channel read it from the store.
 */
export interface GroupCommand {
  id: string;
  chat: string;
  seq: number;
  sender: string;
  name: CommandName;
  /** At most 2 words of at most 200 characters (parseCommand). */
  args: string[];
  fromOwner: boolean;
  inMain: boolean;
}

export type TurnKind = 'message' | 'task';

export interface TaskTurn {
  taskId: string;
  prompt: string;
  /** Isolated tasks see no chat history, only their prompt. */
  isolated: boolean;
  /** The task run (what its Schedule started) this turn answers for: the run a failure notice names. */
  run?: { workflowId: string; runId: string };
}

export interface AgentTurnInput {
  folder: string;
  kind: TurnKind;
  /** The messages this turn answers (empty for a task). */
  messages: InboundMessage[];
  task?: TaskTurn;
  /** Set by `babybot retry`: the failed run this one repeats. */
  retryOf?: string;
  /** Its channel steps run as local activities first (see localChannel on InboundMessage). */
  localSteps?: boolean;
}

/**
 * Work other than messages that must take its place in the group's queue: a scheduled
 * task's run, or `babybot retry` of a failed turn. It runs as the child turn `turnId`.
 */
export interface GroupJob {
  /** Unique per request (the asking run's id), so a repeated signal queues nothing twice. */
  id: string;
  turnId: string;
  input: AgentTurnInput;
  /** The chat registered when it was queued: for the Web UI's search attribute only. */
  chat: string;
  memo: Record<string, unknown>;
  summary: string;
  /** The run waiting for the outcome (a task run), told with `jobDone` when the turn has ended. */
  replyTo?: { workflowId: string; runId: string };
}

/** How a job's turn ended, as the group tells the run that waits for it. */
export type JobOutcome =
  | { jobId: string; ok: true; result: AgentTurnResult }
  | { jobId: string; ok: false; type: string; message: string };

export interface AgentTurnResult {
  reply: string;
  steps: number;
  toolCalls: number;
  stoppedAtStepLimit: boolean;
  /** The model made an already-answered call again after being told it had the result: the turn ended with that result. */
  stoppedRepeating?: boolean;
}

/** One message of the conversation sent to the model, in Ollama's shape. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: ToolCall[];
  tool_name?: string;
  /** Photos of the turn's own messages: only where they are, never their bytes (the model step loads them). */
  media?: MediaRef[];
}

/** A photo in a group's folder, as the history names it: path and sizes only. */
export interface MediaRef {
  kind: 'image';
  folder: string;
  /** Relative to the group's folder, e.g. media/<message id>.jpg. */
  path: string;
  bytes: number;
  mime: string;
}

export interface ToolCall {
  function: { name: string; arguments: Record<string, unknown> };
  /** Set by the model step when the call breaks a bound (its arguments' size): not run, the model reads why. */
  rejected?: string;
}

/** What the group's turn may do, decided by the host from the registered group, never by the model. */
export interface TurnGroup {
  folder: string;
  chat: string;
  name: string;
  isMain: boolean;
  /** The group's sandbox settings (limits) as registered, checked by the sandbox runtime. */
  sandbox?: Record<string, unknown>;
}

export interface TurnContext {
  group: TurnGroup;
  system: string;
  history: ChatMessage[];
  tools: string[];
  /** The group's own model (`/model`); absent: OLLAMA_MODEL. */
  model?: string;
  /** Tools whose calls wait for the owner's yes (contracts/approvals.ts), and for how long at most. */
  approve?: { tools: string[]; timeoutMs: number };
  limits: {
    maxSteps: number;
    modelTimeoutMs: number;
    sandboxStepTimeoutMs: number;
  };
}

export interface ModelChatInput {
  messages: ChatMessage[];
  tools: string[];
  /** The main group's turn: its tools are shown with their main-only fields (another group, another chat). */
  main?: boolean;
  /** The group's own model; absent: the worker's OLLAMA_MODEL. */
  model?: string;
}

/** How a model wrote tool calls into its answer's text instead of Ollama's tool_calls. */
export type ContentCallForm = 'json block' | 'tool_call tags' | 'bare json' | 'json in text' | 'unreadable call';

export interface ModelReply {
  content: string;
  toolCalls: ToolCall[];
  model: string;
  /** The model's own time (Ollama's total_duration), so benchmarks can subtract it. */
  modelMs: number;
  /** Tool calls beyond the per-step limit: not run, not kept; the model is told how many. */
  toolCallsDropped?: number;
  /**
   * Set when Ollama returned no tool_calls and the calls were read from the answer's text
   * (activities/content-tool-calls.ts): the form they were written in, shown in the Web UI.
   */
  callsFromContent?: ContentCallForm;
  /** The answer came as the step's only call, of `reply` (contracts/tools/reply-tool.ts): shown in the Web UI. */
  answeredByReplyCall?: boolean;
  /** A thinking model's thinking: kept out of the chat, shown in the step's details. */
  thinking?: string;
  /** Ollama's own figures for the step (the Web UI shows them in the step's result). */
  stats?: ModelStepStats;
}

export interface ModelStepStats {
  numCtx: number;
  /** Prompt tokens as Ollama counted them (prompt_eval_count), and as BabyBot estimated. */
  promptTokens: number;
  estimatedPromptTokens: number;
  /** Oldest messages left out so the prompt fits num_ctx (never cut silently by Ollama). */
  trimmedMessages: number;
  evalTokens: number;
  loadMs: number;
  promptMs: number;
  evalMs: number;
  /** From the request being sent to the first streamed byte (load + prompt reading + queueing). */
  firstTokenMs: number;
  tokensPerSecond: number;
  doneReason: string;
  toolsOffered: boolean;
}

export interface ToolInvocation {
  tool: string;
  args: Record<string, unknown>;
  group: TurnGroup;
  /** The workflow that runs the tool: activities never trust the model for who is asking. */
  turnId: string;
  /** Set when the turn's run is not its first (a Web UI Reset): the step checks the group's order first. */
  rerun?: boolean;
}

export interface DeliveryRequest {
  /** Idempotency key: what produced this send (a turn's reply, a failure notice). */
  key: string;
  /** A turn's reply from a run that is not the turn's first (a Reset): the group's order is checked first. */
  rerun?: boolean;
  chat: string;
  text: string;
  /** The turn goes on after it (an interim message): the chat shows "typing…" again once it is sent. */
  interim?: boolean;
}

/** What a task's Schedule starts (workflows/scheduled-task.ts): the group's folder and the task. */
export interface ScheduledTaskInput {
  folder: string;
  /** Older schedules carry the chat they were made for; it is ignored, the chat is the group's at run time. */
  chat?: string;
  task: TaskTurn;
}

/** The workflow a task's Schedule starts, by name and signature, so the Schedule's side needs no workflow code. */
export const SCHEDULED_TASK_WORKFLOW = 'scheduledTaskWorkflow';
export type ScheduledTaskWorkflow = (input: ScheduledTaskInput) => Promise<AgentTurnResult>;
