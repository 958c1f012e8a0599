// The workflow bundle's entry point: every workflow type BabyBot's workers run.
export { groupWorkflow, messageSignal, queueQuery } from './group.js';
export { agentTurnWorkflow } from './agent-turn.js';
export { scheduledTaskWorkflow } from './scheduled-task.js';
export { voiceNoteWorkflow } from './voice-note.js';
export { agentWorkflow } from './sub-agent.js';
