// Chat commands, answered by the group's workflow beside its running turn: an update
// handler, so a command never waits in the queue behind a turn, and each one is in the
// group's history (the Web UI shows the update, its input and the reply). The store's side
// of a command is a channel activity, /compact's summary a model step; the reply goes out
// through the one delivery path, keyed by the command's message, so a retry sends nothing twice.
import { defineUpdate, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ChannelActivities, ModelActivities } from '../contracts/activities.js';
import { boundUtf8 } from '../contracts/bytes.js';
import { COMMAND_DELIVERY_PREFIX, helpText, mayUse } from '../contracts/commands.js';
import { messageKey } from '../contracts/ids.js';
import { PATCHES } from '../contracts/patches.js';
import { queuesOf } from '../contracts/task-queue-names.js';
import type { GroupCommand, TurnFailure } from '../contracts/types.js';
import { pullForCommand, type PullOutcome } from './command-model-pull.js';

/** A command for the group: answered at once, beside the running turn; resolves with the reply's text. */
export const commandUpdate = defineUpdate<string, [GroupCommand]>('command');

/** The update id of a command: its message, so a repeated hand-over is one update. */
export const commandUpdateId = (folder: string, command: Pick<GroupCommand, 'chat' | 'id'>) => `${COMMAND_DELIVERY_PREFIX}${messageKey(folder, command.chat, command.id)}`;

/** The turn the group runs now, as a command sees it. */
export interface RunningTurn {
  turnId: string;
  /** Workflow time (ms) when it started. */
  since: number;
  /** Who sent the message that started it (absent for a task run or a retry). */
  starter?: string;
  /** Cancels it: the turn tells its chat, the group goes on with its queue. */
  stop: () => void;
}

/** What the handler reads from the group's workflow. */
export interface GroupState {
  folder: string;
  running: () => RunningTurn | undefined;
  queued: () => { messages: number; jobs: number };
  lastFailure: () => TurnFailure | undefined;
  /** Keys already handled (messages, jobs, commands): a command handed over twice is answered once. */
  handled: Set<string>;
}

function commandActivities() {
  const queues = queuesOf(workflowInfo().taskQueue);
  return {
    // Store reads and writes; every channel step heartbeats (activities/channel-step.ts).
    channel: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '2m',
      heartbeatTimeout: '30s',
      retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 10 },
    }),
    // The reply waits out a reconnecting channel for an hour at most: a command's answer is of the moment.
    delivery: proxyActivities<ChannelActivities>({
      taskQueue: queues.channel,
      startToCloseTimeout: '10m',
      heartbeatTimeout: '30s',
      scheduleToCloseTimeout: '1h',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s' },
    }),
    // /compact's summary: one model step, as a turn's (the request aborted on cancel).
    model: proxyActivities<ModelActivities>({
      taskQueue: queues.model,
      startToCloseTimeout: '10m',
      heartbeatTimeout: '10s',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3, nonRetryableErrorTypes: ['ModelRequestRejected', 'ModelNotAvailable'] },
    }),
  };
}

/** Commands that change the group's settings run one after another, in arrival order: /model a, /model b ends with b. */
const IN_ORDER = new Set(['new', 'compact', 'model']);

export function commandHandler(state: GroupState) {
  // The chain of settings commands; /stop, /status and /help never wait behind one (a /compact's model step).
  let settled: Promise<unknown> = Promise.resolve();
  return async (command: GroupCommand): Promise<string> => {
    const key = commandUpdateId(state.folder, command);
    // Handed over again after a crash (a new run of the group has no update ids of the old one).
    if (state.handled.has(key)) return 'already answered';
    state.handled.add(key);
    // Marks the run as one that answered commands: only runs with the marker hold their
    // activities, so the deprecation window (docs/architecture.md) can tell them apart.
    patched(PATCHES.chatCommands.id);
    const { delivery } = commandActivities();
    const send = async (deliveryKey: string, text: string) => {
      try {
        await delivery.deliver.executeWithOptions({ summary: `/${command.name} reply to ${command.chat}` }, [{ key: deliveryKey, chat: command.chat, text }]);
      } catch (error) {
        // The group goes on either way; the update's result still shows the reply in the Web UI.
        log.warn('the command reply could not be sent', { key: deliveryKey, error: (error as Error).message });
      }
    };
    // A model Ollama lacks is pulled first, before the settings chain: a long download must
    // not hold /new or /compact (patch model-pull; older runs refused it with "Pull it first").
    let pulled: PullOutcome = { kind: 'none' };
    if (command.name === 'model' && command.args.length > 0 && permitted(state, command) && patched(PATCHES.modelPull.id)) {
      pulled = await pullForCommand(state.folder, command, (suffix, text) => send(`${key}:${suffix}`, text)).catch((error: unknown) => ({
        kind: 'refused' as const,
        reply: `/model did not work: ${((error as { cause?: Error }).cause ?? (error as Error)).message}`,
      }));
    }
    let reply: string;
    if (pulled.kind === 'refused') {
      reply = pulled.reply;
    } else if (IN_ORDER.has(command.name)) {
      const answered = settled.then(() => answer(state, command));
      settled = answered.catch(() => undefined);
      reply = await answered;
    } else {
      reply = await answer(state, command);
    }
    if (pulled.kind === 'pulled') reply = `Pulled ${pulled.model} in ${Math.round(pulled.ms / 1000)} s. ${reply}`;
    await send(key, reply);
    return reply;
  };
}

/** Whether the sender may use the command now (the same rule answer() applies). */
function permitted(state: GroupState, command: GroupCommand): boolean {
  const running = state.running();
  return mayUse(command, {
    fromOwner: command.fromOwner,
    inMain: command.inMain,
    startedRunningTurn: running?.starter !== undefined && running.starter === command.sender,
  }).ok;
}

async function answer(state: GroupState, command: GroupCommand): Promise<string> {
  const running = state.running();
  const permission = mayUse(command, {
    fromOwner: command.fromOwner,
    inMain: command.inMain,
    startedRunningTurn: running?.starter !== undefined && running.starter === command.sender,
  });
  if (!permission.ok) return permission.why;
  const { channel, model } = commandActivities();
  const ask = (extra: { summary?: string } = {}) =>
    channel.answerCommand.executeWithOptions({ summary: `/${command.name} in ${state.folder}` }, [
      {
        folder: state.folder,
        command,
        ...(running ? { running: { turnId: running.turnId, since: new Date(running.since).toISOString() } } : {}),
        queued: state.queued(),
        ...(state.lastFailure() ? { lastFailure: state.lastFailure() } : {}),
        ...extra,
      },
    ]);
  try {
    switch (command.name) {
      case 'help':
        return helpText(command.inMain);
      case 'stop': {
        if (!running) return 'Nothing is running, so there is nothing to stop.';
        running.stop();
        const { messages, jobs } = state.queued();
        const waiting = messages + jobs;
        return `Stopped ${running.turnId}.${waiting ? ` ${waiting} waiting ${waiting === 1 ? 'request is' : 'requests are'} still queued and will be answered.` : ''}`;
      }
      case 'compact': {
        const prompt = await channel.compactPrompt.executeWithOptions({ summary: `what to summarise in ${state.folder}` }, [
          { folder: state.folder, uptoSeq: command.seq },
        ]);
        const written = await model.chat.executeWithOptions({ summary: `summary of ${state.folder}` }, [{ messages: prompt.messages, tools: [], ...(prompt.model ? { model: prompt.model } : {}) }]);
        if (!written.content.trim()) return 'The model wrote no summary, so nothing changed. Try /compact again, or /new.';
        return await ask({ summary: boundUtf8(written.content.trim(), 16_000) });
      }
      case 'approve':
      case 'deny': {
        const id = Number(command.args[0]);
        if (!Number.isInteger(id) || id <= 0 || command.args.length !== 1) return `Say which: /${command.name} <number>, as the question asked.`;
        return await channel.decideApproval.executeWithOptions({ summary: `/${command.name} ${id}` }, [
          { id, approved: command.name === 'approve', by: command.inMain ? 'the main chat' : `the owner in ${command.chat}` },
        ]);
      }
      default:
        return await ask();
    }
  } catch (error) {
    // What went wrong is the reply: a command never fails the group.
    const cause = (error as { cause?: Error }).cause ?? (error as Error);
    return `/${command.name} did not work: ${cause.message}`;
  }
}
