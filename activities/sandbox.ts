// Sandbox steps: tools that run inside the group's container. The sandbox capability
// fills this in; until then a sandbox tool says plainly that no sandbox is set up.
import { ApplicationFailure } from '@temporalio/common';
import type { ToolInvocation } from '../workflows/types.js';

export interface SandboxDeps {
  runtime: string;
}

export type SandboxActivities = ReturnType<typeof createSandboxActivities>;

export function createSandboxActivities(deps: SandboxDeps) {
  return {
    async runSandboxTool(invocation: ToolInvocation): Promise<string> {
      throw ApplicationFailure.nonRetryable(
        `${invocation.tool} needs a sandbox, and the ${deps.runtime} runtime is not available.`,
        'SandboxUnavailable',
      );
    },
  };
}
