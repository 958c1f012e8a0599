// A workflow interceptor that makes a turn fail to start: the fault of test
// child-start.test.ts. Starting the child turn of a message whose text (its preview) holds
// "[fail-start]" throws for the first 3 seconds (workflow time, so replay is deterministic)
// after the message was written, as a start that fails for a reason other than "already
// started" does; later attempts start it.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { AgentTurnInput } from '../../../contracts/types.js';

export const FAIL_FOR_MS = 3000;

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      async startChildWorkflowExecution(input, next) {
        const turn = input.options.args?.[0] as AgentTurnInput | undefined;
        const marked = turn?.messages?.find((m) => (m.preview ?? m.text ?? '').includes('[fail-start]'));
        if (marked && Date.now() < Date.parse(marked.timestamp) + FAIL_FOR_MS) {
          throw new Error('injected fault: the child turn could not be started');
        }
        return next(input);
      },
    },
  ],
});
