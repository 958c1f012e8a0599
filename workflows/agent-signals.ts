// What a background sub-agent sends its group when it ends: its result, to be delivered
// between turns (the group's queue), so it never interleaves with a turn. In a module of its
// own, so the sub-agent's workflow need not import the group's.
import { defineSignal } from '@temporalio/workflow';
import type { AgentReport } from '../contracts/types.js';

export const agentResultSignal = defineSignal<[AgentReport]>('agentResult');
