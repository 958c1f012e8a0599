// Every patch in the workflow code, in one table: the versioning strategy (docs/architecture.md,
// "Changing workflow code") is patching with patched(), each patch kept until its deprecation
// date, then deprecatePatch() for one more window, then removed. tests/replay/versioning.test.ts
// holds this table, the workflow code, the docs and the recorded histories together.

export interface Patch {
  /** The id passed to patched(): recorded as a marker in every run that took the new path. */
  id: string;
  /** The workflow whose commands it changes. */
  workflow: 'groupWorkflow' | 'agentTurnWorkflow' | 'scheduledTaskWorkflow' | 'voiceNoteWorkflow';
  /** When it was added (the deploy that first carries it). */
  added: string;
  /** What it changes, in one line. */
  change: string;
}

export const PATCHES = {
  messageRefs: {
    id: 'message-refs',
    workflow: 'groupWorkflow',
    added: '2026-12-07',
    change:
      'a turn takes at most 20 messages / 32 KB of references, a queue at most 256 KB (the rest refused, the chat told), ' +
      'and a message turn is named turn:<folder>:<id>@<chat> when its chat is not local:<folder>',
  },
  idleRollover: {
    id: 'idle-rollover',
    workflow: 'groupWorkflow',
    added: '2026-12-07',
    change: 'a run starts one timer (to its maximum age, from its start) and continues as new when it passes; a run started before takes it at its next wait',
  },
  cancelKeepsQueue: {
    id: 'cancel-keeps-queue',
    workflow: 'groupWorkflow',
    added: '2026-12-07',
    change: 'a cancelled group continues as new with its queue instead of ending Cancelled',
  },
  terminatedTurnTold: {
    id: 'group-tells-terminated-turn',
    workflow: 'groupWorkflow',
    added: '2026-12-07',
    change: 'a turn terminated while it runs (it told no one) is told to its chat by the group, once, before the group goes on',
  },
  chatCommands: {
    id: 'chat-commands',
    workflow: 'groupWorkflow',
    added: '2026-12-07',
    change:
      'chat commands arrive as the `command` update and are answered beside the running turn (channel and model activities, a delivery); ' +
      'a running turn waits in a cancellation scope of its own, which /stop cancels',
  },
  taskRunChecksGroup: {
    id: 'task-run-checks-its-group',
    workflow: 'scheduledTaskWorkflow',
    added: '2026-12-07',
    change: 'a task run waits for its turn in slices of GROUP_JOB_CHECK, asking between them where its job stands (queued again when lost) instead of one 48 h wait',
  },
  emptyAnswerTold: {
    id: 'empty-answer-told',
    workflow: 'agentTurnWorkflow',
    added: '2026-12-07',
    change: 'an empty final answer from the model is delivered as a short message saying so (and why), instead of nothing',
  },
  approvals: {
    id: 'approvals',
    workflow: 'agentTurnWorkflow',
    added: '2026-12-07',
    change: "a tool call the group's policy names asks the owner (askApproval) and waits for the approval update or APPROVAL_TIMEOUT before it runs or is refused",
  },
  repeatedCallNotRun: {
    id: 'repeated-call-not-run',
    workflow: 'agentTurnWorkflow',
    added: '2026-12-07',
    change: 'a tool call repeated with the same arguments in a turn is not run again: the model is handed its earlier result and asked to answer',
  },
  repeatLoopEnds: {
    id: 'repeat-loop-ends',
    workflow: 'agentTurnWorkflow',
    added: '2026-12-07',
    change: 'a turn whose model repeats an already-answered call a second time ends there, the person getting the newest result, instead of asking until the step limit',
  },
  interimMessage: {
    id: 'interim-message',
    workflow: 'agentTurnWorkflow',
    added: '2026-12-07',
    change: 'the text a model wrote beside its first tool calls of a turn is sent to the chat at once, as one interim message, while the tools and the next step run',
  },
  answerNowNote: {
    id: 'answer-now-note',
    workflow: 'agentTurnWorkflow',
    added: '2026-12-07',
    change: "after the results of a step whose calls were read from the model's text, the host's note asking for the answer follows them",
  },
  modelPull: {
    id: 'model-pull',
    workflow: 'groupWorkflow',
    added: '2026-12-07',
    change:
      '/model <name> asks whether Ollama lacks the model (modelToPull); if so it tells the chat, pulls it (pullModel on the model queue, ' +
      'long timeout, heartbeats) outside the settings chain, and only then sets it as before',
  },
  errorLeftToFix: {
    id: 'error-left-to-fix',
    workflow: 'agentTurnWorkflow',
    added: '2026-12-07',
    change: "a step whose calls were read from the model's text and of which one failed gets no note asking for the answer: the model corrects the call",
  },
} as const satisfies Record<string, Patch>;
