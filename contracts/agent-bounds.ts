// The sizes of what passes between agents, in bytes as Temporal counts them: the brief a
// sub-agent starts from and the result it hands back. Kept free of zod (contracts/agents.ts
// holds the schemas): the workflow code bounds results with these, and zod stays out of
// the workflow bundle (tests/structure/workflow-bundle.test.ts).

/** One brief, as the model writes it: a short task, not a document. */
export const BRIEF_MAX_CHARS = 4_000;
/** A sub-agent's answer as its parent (or the chat) reads it. */
export const RESULT_TEXT_MAX_BYTES = 4_000;
/** Files a result names (write_file paths), and the length of each name. */
export const RESULT_FILES_MAX = 20;
export const RESULT_FILE_MAX_CHARS = 300;
/** The most sub-agents one delegate call may name at all; the configured limits are lower. */
export const DELEGATE_MAX_TASKS = 16;
/** Background results a group holds until it delivers them (more are dropped, and logged). */
export const PENDING_RESULTS_MAX = 32;

/** Why a sub-agent's run ended. */
export type AgentEnd = 'answered' | 'step-limit' | 'failed' | 'timed-out' | 'cancelled';
