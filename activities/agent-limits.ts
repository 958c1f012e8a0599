// Sub-agents' limits as the host applies them, read once from the configuration.
import type { Config } from '../lib/config.js';
import type { AgentLimits } from './agent-plan.js';

export function agentLimits(config: Config): AgentLimits {
  return {
    depth: config.AGENT_DEPTH,
    stepsPerAgent: config.AGENT_STEPS,
    deadlineMs: config.AGENT_DEADLINE,
    main: { perTurn: config.AGENTS_PER_TURN, alive: config.AGENTS_ALIVE, turnSteps: config.AGENT_TURN_STEPS },
    group: { perTurn: config.GROUP_AGENTS_PER_TURN, alive: config.GROUP_AGENTS_ALIVE, turnSteps: config.GROUP_AGENT_TURN_STEPS },
  };
}
