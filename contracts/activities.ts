// The activities workflows call, declared here rather than inferred from their
// implementations: a workflow sees only these signatures (and so imports nothing from
// activities/), and each implementation in activities/ is checked against its interface.
// One interface per task queue's set of activities.
import type { AgentResult } from './agents.js';
import type { ApprovalDecision } from './approvals.js';
import type {
  AgentReport,
  AgentRunInput,
  AgentTurnResult,
  ChatMessage,
  DelegationPlan,
  DeliveryRequest,
  GroupCommand,
  GroupJob,
  InboundMessage,
  ModelChatInput,
  ModelReply,
  TaskTurn,
  ToolInvocation,
  TurnContext,
  TurnFailure,
  TurnGroup,
} from './types.js';

/**
 * Sub-agents' host side (activities/agent-activities.ts): the delegate call checked against
 * the limits in the store, a sub-agent's context, its end recorded, a background result
 * delivered to the chat.
 */
export interface AgentActivities {
  /** Checks a delegate call (its arguments, the group's rights, the limits) and reserves its sub-agents. */
  planDelegation(input: PlanDelegationInput): Promise<DelegationPlan>;
  /** A sub-agent's context: the group's system prompt and rights, its brief as the only conversation. */
  loadAgentContext(input: AgentRunInput): Promise<TurnContext>;
  /** Records how a sub-agent ended (its row in the store stops counting as alive). */
  agentEnded(input: { result: AgentResult }): Promise<void>;
  /** A background sub-agent's result, as a message in its group's registered chat (none when unregistered). */
  deliverAgentResult(input: { folder: string; report: AgentReport }): Promise<{ delivered: boolean }>;
}

export interface PlanDelegationInput {
  /** The calling turn's group as the workflow knows it: checked against the store. */
  group: TurnGroup;
  args: Record<string, unknown>;
}

/** The channel task queue: the store, the group folders, the channels' sockets. */
export interface ChannelActivities extends AgentActivities {
  loadTurnContext(input: LoadTurnContextInput): Promise<TurnContext>;
  deliver(request: DeliveryRequest): Promise<{ messageId: string; alreadySent: boolean }>;
  notifyTurnFailed(notice: TurnFailedNotice): Promise<{ messageId?: string; alreadySent: boolean; told?: string }>;
  queueGroupTurn(input: QueueGroupTurnInput): Promise<QueuedGroupTurn>;
  /** Where a queued job stands (a task run asks while it waits): held by its group, ended, or lost. */
  findGroupJob(input: FindGroupJobInput): Promise<GroupJobState>;
  runHostTool(invocation: ToolInvocation): Promise<string>;
  /** The store's side of a chat command (/status, /new, /model, /compact's summary): its reply's text. */
  answerCommand(input: AnswerCommandInput): Promise<string>;
  /** /model <name>: the model to pull first (Ollama lacks it and OLLAMA_PULL allows it), else undefined. */
  modelToPull(input: { folder: string; command: GroupCommand }): Promise<string | undefined>;
  /** What /compact asks the model: the conversation so far and the request for its summary. */
  compactPrompt(input: CompactPromptInput): Promise<{ messages: ChatMessage[]; model?: string }>;
  /** Asks the owner, in the main chat, whether a tool call may run: once per call (its key); the question's number. */
  askApproval(input: AskApprovalInput): Promise<{ id: number; status: ApprovalState }>;
  /** Ends a question nobody answered in time: expired, unless an answer was stored just before (then that answer). */
  endApproval(input: { id: number }): Promise<{ status: ApprovalState }>;
  /** /approve, /deny: stores the owner's answer and hands it to the waiting turn (the `approval` update); the reply's text. */
  decideApproval(input: ApprovalDecision): Promise<string>;
}

export type ApprovalState = 'waiting' | 'approved' | 'denied' | 'expired';

export interface AskApprovalInput {
  /** The turn's run and the call's place in it: a retried step asks once. */
  key: string;
  folder: string;
  turnId: string;
  runId: string;
  tool: string;
  args: Record<string, unknown>;
}

/** What the group knows that the store does not, for the command's answer. */
export interface AnswerCommandInput {
  folder: string;
  command: GroupCommand;
  /** /status: the turn running now and since when (ISO 8601), what is queued, the last failure. */
  running?: { turnId: string; since: string };
  queued?: { messages: number; jobs: number };
  lastFailure?: TurnFailure;
  /** /compact: the summary the model wrote. */
  summary?: string;
}

export interface CompactPromptInput {
  folder: string;
  /** The /compact message: the conversation up to it is summarised. */
  uptoSeq: number;
}

/**
 * The channel steps a turn runs in its workflow worker's own process when it may: a store
 * read and a delivery, with no round trip through the server. Every workflow worker
 * registers them; one whose process has no channel answers CHANNEL_ELSEWHERE at once.
 */
export type LocalChannelActivities = Pick<ChannelActivities, 'loadTurnContext' | 'deliver'>;

/**
 * A Reset run of a turn its group is not running now (a completed turn reset from the Web UI):
 * refused at its first channel step, so it never answers beside the group's current turn.
 */
export const TURN_OUT_OF_ORDER = 'TurnOutOfOrder';

/** The failure type of a local channel step in a process without the channel: run it on the channel queue instead. */
export const CHANNEL_ELSEWHERE = 'ChannelElsewhere';

export interface LoadTurnContextInput {
  folder: string;
  /** The turn's run is not its first (a Web UI Reset): the group must name it as its current turn. */
  rerun?: boolean;
  messages: InboundMessage[];
  task?: TaskTurn;
}

export interface QueueGroupTurnInput {
  folder: string;
  /** The task's schedule, paused when its group is not registered any more. */
  taskId: string;
  job: Omit<GroupJob, 'chat'>;
}

export interface QueuedGroupTurn {
  queuedIn: string;
  /** How often the waiting run checks that its group still holds the job (GROUP_JOB_CHECK); absent in older histories. */
  checkEveryMs?: number;
}

export interface FindGroupJobInput {
  folder: string;
  turnId: string;
  /** ISO 8601: when the asking run started; a run of the turn from before then is not this job's. */
  since: string;
}

export type GroupJobState =
  /** Queued or running in the group (or its turn still runs): keep waiting. */
  | { state: 'held'; why: string }
  /** The turn has ended; the group's signal may not come (its workflow is gone). */
  | { state: 'ended'; outcome: { ok: true; result: AgentTurnResult } | { ok: false; type: string; message: string } }
  /** Neither the group nor a run of the turn has it: queue it again. */
  | { state: 'lost'; why: string }
  /** The group does not answer (its workflow tasks fail): not known lost, keep waiting. */
  | { state: 'unknown'; why: string };

export interface TurnFailedNotice {
  key: string;
  /** The group whose registered chat is told; nobody is told when it is not registered any more. */
  folder: string;
  workflowId: string;
  runId: string;
  reason: string;
}

/** The model task queue: one step of the conversation with Ollama. */
export interface ModelActivities {
  chat(input: ModelChatInput): Promise<ModelReply>;
  /** The pull step: its own long timeout, heartbeats with the progress. */
  pullModel(input: PullModelInput): Promise<{ model: string; ms: number }>;
}

export interface PullModelInput {
  model: string;
  /** Named by /model: the worker pulls it although it is not OLLAMA_MODEL (a turn pulls only that one). */
  forCommand?: boolean;
}

/** The sandbox task queue: a tool run inside the group's container. */
export interface SandboxActivities {
  runSandboxTool(invocation: ToolInvocation): Promise<string>;
}

/** The media task queue: a voice note becomes text, locally. */
export interface MediaActivities {
  transcribeVoiceNote(input: TranscribeInput): Promise<Transcription>;
}

export interface TranscribeInput {
  folder: string;
  /** Relative to the group's folder (media/<id>.ogg). */
  path: string;
}

export type Transcription =
  | { ok: true; transcript: string; language: string; audioSeconds: number; durationMs: number; realTimeFactor: number; format: string }
  | { ok: false; reason: string; missingModel?: boolean };

/** The channel task queue's half of a voice note: the words become the stored message's text. */
export interface MediaChannelActivities {
  voiceNoteTranscribed(done: VoiceNoteDone): Promise<{ triggered: boolean; text: string }>;
}

export interface VoiceNoteDone {
  chat: string;
  messageId: string;
  outcome: Transcription;
}
