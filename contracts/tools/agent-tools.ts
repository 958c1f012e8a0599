// Handing parts of a job to sub-agents. The tool runs in the workflow itself (its place is
// 'workflow', contracts/tools/places.ts): the host checks the call and the limits first
// (planDelegation), then the turn starts one child workflow per brief.
import { z } from 'zod';
import { AgentBriefSchema } from '../agents.js';
import { DELEGATE_MAX_TASKS } from '../agent-bounds.js';
import { defineTool } from './spec.js';

export const delegate = defineTool({
  name: 'delegate',
  description: 'Hand parts of a job to sub-agents that work side by side, each knowing only its brief. You get their results (wait false: they tell the chat later).',
  schema: z.object({
    // A plain string is taken as a brief: the 0.5B writes `"tasks": ["say hello", …]` (CI,
    // 2026-12-07) and lost its whole delegation to a schema error; and so is a list of strings
    // (`[["say hello"], ["say goodbye"]]`, the 0.5B once reply was offered). The model is shown the object.
    tasks: z.array(z.preprocess(briefFromString, AgentBriefSchema)).min(1).max(DELEGATE_MAX_TASKS),
    wait: z.boolean().optional(),
  }),
});

function briefFromString(task: unknown): unknown {
  if (typeof task === 'string') return { brief: task };
  const strings = Array.isArray(task) && task.length > 0 && task.every((part) => typeof part === 'string');
  return strings ? { brief: (task as string[]).join(' ') } : task;
}

export const AGENT_TOOLS = [delegate];
