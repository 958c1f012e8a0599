// The store's side of the chat commands (contracts/commands.ts), run by the group's workflow
// as channel activities: /status reads what runs, the model, the last failure and the tasks;
// /new and /compact move where the group's conversation starts; /model reads or sets the
// group's model after asking Ollama that it exists and calls tools. Each returns the reply's
// text; the workflow delivers it, keyed by the command's message.
import { ApplicationFailure } from '@temporalio/common';
import type { AnswerCommandInput, CompactPromptInput } from '../contracts/activities.js';
import type { ChatMessage, GroupCommand } from '../contracts/types.js';
import type { Group, Store } from '../lib/store/store.js';
import type { TaskService } from '../tasks/task-service.js';
import { listAgents, stopAgent } from './agent-control.js';
import { boundHistory } from './history-bytes.js';
import { ollamaStatus } from './ollama-client.js';
import { TOOL_MODELS_HINT, type ModelInfo } from './model-info.js';
import { conversation, withGroupNote, type PromptSettings } from './turn-context.js';

/** What a running turn is doing, as temporal/turn-progress.ts reads it from Temporal. */
export interface TurnStep {
  turn: string;
  step: string;
  phase?: string;
  elapsedMs?: number;
}

export interface CommandDeps {
  store: Store;
  prompt: PromptSettings;
  tasks: TaskService;
  /** OLLAMA_MODEL: every group's model until /model sets its own. */
  defaultModel: string;
  /** What Ollama says of a model (/api/show); rejects when Ollama does not know it. */
  modelInfo: (model: string) => Promise<ModelInfo>;
  /** The running turn's current step, from Temporal; undefined when none runs. */
  turnStep: (folder: string) => Promise<TurnStep | undefined>;
  runLink: (workflowId: string, runId: string) => string | undefined;
  /** Loads a model a chat just chose and reads the shared prompt prefix, in the background, as at start. */
  warmModel: (model: string) => void;
  /** OLLAMA_PULL is not off: /model may pull a model Ollama lacks. */
  mayPull: boolean;
  /** /agents stop: requests the cancellation of a sub-agent's workflow. */
  cancelAgent: (agentId: string) => Promise<void>;
  /** AGENT_DEADLINE, for which sub-agents are still alive. */
  agentDeadlineMs: number;
}

/** What /compact asks for: a summary the next turns can read instead of the messages. */
const SUMMARY_REQUEST =
  'Write a summary of the conversation above for your own later use: the facts, decisions, open questions and ' +
  'what was asked of you but not yet done, with names and dates. Plain text, at most 300 words. The summary only.';

export function createCommandActivities(deps: CommandDeps) {
  const groupOf = (folder: string): Group => {
    const group = deps.store.groupByFolder(folder);
    if (!group) throw ApplicationFailure.nonRetryable(`The group "${folder}" is not registered (any more).`, 'GroupNotRegistered');
    return group;
  };

  return {
    async answerCommand(input: AnswerCommandInput): Promise<string> {
      const group = groupOf(input.folder);
      const { command } = input;
      switch (command.name) {
        case 'new':
          deps.store.startContextAfter(group.folder, command.seq);
          return 'Started a fresh conversation: I will not read the messages before this one. What I remember (MEMORY.md) stays.';
        case 'compact':
          deps.store.startContextAfter(group.folder, command.seq, input.summary);
          return 'Compacted: I wrote a summary of our conversation so far and will read it instead of the earlier messages. What I remember (MEMORY.md) stays.';
        case 'model':
          return modelCommand(deps, group, command);
        case 'status':
          return status(deps, group, input);
        case 'agents': {
          const control = { store: deps.store, cancelAgent: deps.cancelAgent, deadlineMs: deps.agentDeadlineMs };
          const asker = { folder: group.folder, isMain: group.isMain };
          if (command.args[0] === 'stop' && command.args[1]) return stopAgent(control, asker, command.args[1]);
          if (command.args.length) return 'Say /agents to list them, or /agents stop <id> to stop one.';
          return listAgents(control, asker);
        }
        default:
          throw ApplicationFailure.nonRetryable(`/${command.name} is answered by the group's workflow, not here.`, 'UnknownCommand');
      }
    },

    /**
     * /model <name>: the name to pull first, when Ollama answers that it does not have it (404)
     * and pulling is allowed; otherwise undefined, and answerCommand gives the reply (shown,
     * set, refused, or Ollama unreachable).
     */
    async modelToPull(input: { folder: string; command: GroupCommand }): Promise<string | undefined> {
      const group = groupOf(input.folder);
      if (!deps.mayPull) return undefined;
      const chosen = chosenModel(deps, group, input.command);
      if (typeof chosen !== 'object' || chosen.name === undefined) return undefined;
      try {
        await deps.modelInfo(chosen.name);
        return undefined;
      } catch (error) {
        return ollamaStatus(error) === 404 ? chosen.name : undefined;
      }
    },

    async compactPrompt(input: CompactPromptInput): Promise<{ messages: ChatMessage[]; model?: string }> {
      const group = groupOf(input.folder);
      const settings = deps.store.groupSettings(group.folder);
      // The conversation the turns read now (after the last /new or /compact, with its summary), up to the command.
      const before = { id: '', chat: group.jid, sender: '', timestamp: '', seq: input.uptoSeq - 1 };
      const history = conversation(deps.store, deps.prompt, group.jid, [before], undefined, settings.contextAfterSeq);
      const messages: ChatMessage[] = [
        { role: 'system', content: `You are ${deps.prompt.assistantName}, summarising a chat so that you can continue it later.` },
        ...withGroupNote(deps.prompt, group, boundHistory(history), settings.summary),
        { role: 'user', content: SUMMARY_REQUEST },
      ];
      return { messages, ...(settings.model ? { model: settings.model } : {}) };
    },
  };
}

/** /model: shows the group's model; `/model <name>` sets it, `/model <folder> <name>` (main) another group's. */
async function modelCommand(deps: CommandDeps, group: Group, command: GroupCommand): Promise<string> {
  const chosen = chosenModel(deps, group, command);
  if (typeof chosen === 'string') return chosen;
  const { target, name } = chosen;
  const current = deps.store.groupSettings(target.folder).model;
  if (name === undefined) {
    return current
      ? `This chat uses the model ${current} (set with /model; the default is ${deps.defaultModel}).`
      : `This chat uses the default model ${deps.defaultModel}. Set another with /model <name>.`;
  }
  let info: ModelInfo;
  try {
    info = await deps.modelInfo(name);
  } catch (error) {
    return `The model ${name} is not in Ollama (${(error as Error).message}), so nothing changed. Pull it first (\`ollama pull ${name}\`), then set it again.`;
  }
  if (!info.tools) {
    return `The model ${name} cannot call tools (Ollama does not report the "tools" capability for it), so nothing changed. Pick a model that can, for example ${TOOL_MODELS_HINT}.`;
  }
  deps.store.setGroupModel(target.folder, name === deps.defaultModel ? undefined : name);
  // So the chat's next answer does not wait for the model to load.
  deps.warmModel(name);
  return `${target.folder === group.folder ? 'This chat' : `The group ${target.folder}`} now uses the model ${name}, from the next answer on.`;
}

/** Which group and model a /model command names, or the reply refusing it. */
function chosenModel(deps: CommandDeps, group: Group, command: GroupCommand): { target: Group; name?: string } | string {
  const [first, second] = command.args;
  const target = second !== undefined ? deps.store.groupByFolder(first) : group;
  if (second !== undefined && !command.inMain) return 'Only the main chat may set another group\'s model: here, /model <name> sets this chat\'s.';
  if (!target) return `There is no registered group "${first}". The folders are: ${deps.store.listGroups().map((g) => g.folder).join(', ')}.`;
  return { target, name: second ?? first };
}

async function status(deps: CommandDeps, group: Group, input: AnswerCommandInput): Promise<string> {
  const lines = [`Status of ${group.name} (${group.folder}):`];
  if (input.running) {
    const step = await deps.turnStep(group.folder).catch(() => undefined);
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(input.running.since)) / 1000));
    const doing = step && step.turn === input.running.turnId ? `${step.step}${step.phase ? `, ${step.phase}` : ''}` : 'starting';
    lines.push(`Running: ${input.running.turnId} (${doing}) for ${seconds} s.`);
  } else {
    lines.push('Running: nothing.');
  }
  const queued = input.queued ?? { messages: 0, jobs: 0 };
  lines.push(`Queued: ${queued.messages} message(s), ${queued.jobs} task run(s).`);
  const model = deps.store.groupSettings(group.folder).model;
  lines.push(`Model: ${model ?? `${deps.defaultModel} (the default)`}.`);
  if (input.lastFailure) {
    const failure = input.lastFailure;
    const link = deps.runLink(failure.turnId, failure.runId);
    lines.push(`Last failure: ${failure.turnId} at ${failure.at} (${failure.type}: ${failure.message.split('\n')[0]})${link ? `\n${link}` : ''}`);
  } else {
    lines.push('Last failure: none.');
  }
  const tasks = await deps.tasks.list({ folder: group.folder, isMain: false, label: group.folder }, group.folder).catch(() => undefined);
  if (!tasks) lines.push('Tasks: could not be read from Temporal just now.');
  else if (tasks.length === 0) lines.push('Tasks: none.');
  else lines.push(`Tasks:\n${tasks.map((t) => `- ${t.id}: ${t.schedule}${t.paused ? ' (paused)' : ''}`).join('\n')}`);
  return lines.join('\n');
}
