// Handing parts of a job to sub-agents. The tool runs in the workflow itself (its place is
// 'workflow', contracts/tools/places.ts): the host checks the call and the limits first
// (planDelegation), then the turn starts one child workflow per brief.
import { z } from 'zod';
import { AgentBriefSchema } from '../agents.js';
import { DELEGATE_MAX_TASKS } from '../agent-bounds.js';
import { defineTool } from './spec.js';

export const delegate = defineTool({
  name: 'delegate',
  description:
    'Hand independent parts of a job to sub-agents that work side by side, each with only its brief as context ' +
    '(not this chat). wait true (default): you get all their results back here. wait false: they report to the chat later.',
  schema: z.object({
    tasks: z.array(AgentBriefSchema).min(1).max(DELEGATE_MAX_TASKS),
    wait: z.boolean().optional().describe('false: answer now; each result reaches the chat later as a message'),
  }),
});

export const AGENT_TOOLS = [delegate];
