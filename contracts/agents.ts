// The contract between agents: the brief a turn (or a sub-agent) hands to a sub-agent and
// the result it gets back, one zod schema each, the same at every hop: the delegate tool's
// arguments are briefs, a sub-agent's workflow input carries one, its result is checked on
// the host when it ends (activities/agent-activities.ts). Workflow code imports the types
// only (`import type`), so zod stays out of the workflow bundle.
import { z } from 'zod';
import { BRIEF_MAX_CHARS, RESULT_FILE_MAX_CHARS, RESULT_FILES_MAX, RESULT_TEXT_MAX_BYTES } from './agent-bounds.js';
import { utf8Bytes } from './bytes.js';

export const AgentBriefSchema = z.object({
  brief: z.string().trim().min(1).max(BRIEF_MAX_CHARS).describe('Its task and what to answer with'),
  tools: z
    .array(z.string().min(1).max(64))
    .max(16)
    .optional(),
  skills: z.array(z.string().min(1).max(100)).max(8).optional(),
});
export type AgentBrief = z.infer<typeof AgentBriefSchema>;

export const AgentEndSchema = z.enum(['answered', 'step-limit', 'failed', 'timed-out', 'cancelled']);

export const AgentResultSchema = z.object({
  /** The sub-agent's workflow id: agent:<folder>:<turn>:<n>. */
  agentId: z.string().min(1).max(1000),
  ok: z.boolean(),
  text: z.string().refine((text) => utf8Bytes(text) <= RESULT_TEXT_MAX_BYTES, `at most ${RESULT_TEXT_MAX_BYTES} bytes`),
  filesWritten: z.array(z.string().max(RESULT_FILE_MAX_CHARS)).max(RESULT_FILES_MAX),
  steps: z.number().int().min(0),
  ended: AgentEndSchema,
});
export type AgentResult = z.infer<typeof AgentResultSchema>;
