// A workflow interceptor that plants a bug in the turn workflow: a turn whose first message's
// preview holds "[poison]" throws a plain Error in its first workflow task. The SDK fails
// the workflow task (not the run) and Temporal retries it for ever: the turn never runs its
// own code again, its own time bound included. What a bad deploy, a payload the converter
// refuses or a nondeterminism error does to a real turn.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { AgentTurnInput } from '../../../contracts/types.js';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        const turn = input.args[0] as AgentTurnInput | undefined;
        if (turn?.kind === 'message' && (turn.messages?.[0]?.preview ?? turn.messages?.[0]?.text)?.includes('[poison]')) {
          throw new Error('injected bug: this turn fails every workflow task');
        }
        return next(input);
      },
    },
  ],
});
