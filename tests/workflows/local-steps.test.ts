// A turn's channel steps (its context, its delivery) as local activities: run in the
// workflow worker's own process when the channel is there, on the channel queue when it is
// not or when the local attempt did not succeed; a final answer stays final; and a history
// recorded on a worker without the channel replays on every worker.
import { WorkflowFailedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnWorkflowId } from '../../contracts/ids.js';
import type { AgentTurnInput, AgentTurnResult } from '../../contracts/types.js';
import { agentTurnWorkflow, messageSignal } from '../../workflows/index.js';
import { startWorkflowEnv, withWorkers, type WorkflowEnv } from '../support/workflow-env.js';
import { groupProbe } from './group-probe.js';
import { echo, message, stubActivities } from './stubs.js';

type Event = Record<string, unknown>;
const count = (events: Event[], kind: string) => events.filter((e) => e[`${kind}EventAttributes`]).length;
const scheduled = (events: Event[]) =>
  events.flatMap((e) => {
    const attributes = e.activityTaskScheduledEventAttributes as { activityType?: { name?: string } } | undefined;
    return attributes ? [attributes.activityType?.name] : [];
  });
const isLocal = () => Context.current().info.isLocal;

describe('a turn with local channel steps', () => {
  let wf: WorkflowEnv;
  beforeAll(async () => {
    wf = await startWorkflowEnv();
  });
  afterAll(async () => {
    await wf?.env.teardown();
  });

  const runTurn = (folder: string, stubs: ReturnType<typeof stubActivities>, options?: { channelElsewhere?: boolean }) => {
    const m1 = message(folder, 1, 'hello');
    const input: AgentTurnInput = { folder, kind: 'message', messages: [m1], localSteps: true };
    const workflowId = turnWorkflowId(folder, m1.id);
    return withWorkers(
      wf,
      folder,
      stubs,
      async (queues) => {
        const handle = await wf.env.client.workflow.start(agentTurnWorkflow, { workflowId, taskQueue: queues.workflows, args: [input] });
        const outcome: { result?: AgentTurnResult; error?: unknown } = await handle.result().then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        const history = await handle.fetchHistory();
        return { ...outcome, history, events: (history.events ?? []) as Event[] };
      },
      options,
    );
  };

  it('where the channel is: its context and its reply without a round trip, 2 workflow tasks and 1 activity (the model step)', async () => {
    const stubs = stubActivities('here', echo);
    const { result, events } = await runTurn('here', stubs);
    expect(result?.reply).toBe('answered hello');
    expect(scheduled(events)).toEqual(['chat']);
    expect(count(events, 'markerRecorded')).toBe(2);
    expect(count(events, 'workflowTaskCompleted')).toBe(2);
    expect(stubs.seen.delivered).toEqual([expect.objectContaining({ chat: 'local:here', text: 'answered hello' })]);
  });

  it('on a worker without the channel: each local step answers ChannelElsewhere at once, the step runs on the channel queue, and that history replays', async () => {
    const stubs = stubActivities('elsewhere', echo);
    const { result, events, history } = await runTurn('elsewhere', stubs, { channelElsewhere: true });
    expect(result?.reply).toBe('answered hello');
    expect(scheduled(events)).toEqual(['loadTurnContext', 'chat', 'deliver']);
    expect(JSON.stringify(events.filter((e) => e.markerRecordedEventAttributes))).toContain('ChannelElsewhere');
    expect(stubs.seen.delivered).toHaveLength(1);
    // Recorded where the channel was elsewhere; replays (on a worker with the channel or without) take the same path.
    await Worker.runReplayHistory({ workflowBundle: wf.bundle }, history, turnWorkflowId('elsewhere', 'm1'));
  });

  it('a local delivery that keeps failing is sent on the channel queue, under the same key: one reply', async () => {
    const stubs = stubActivities('flaky', echo);
    const deliver = stubs.channel.deliver;
    stubs.channel.deliver = async (request) => {
      if (isLocal()) throw new Error('the channel is reconnecting');
      return deliver(request);
    };
    const { result, events } = await runTurn('flaky', stubs);
    expect(result?.reply).toBe('answered hello');
    expect(scheduled(events)).toEqual(['chat', 'deliver']);
    expect(stubs.seen.delivered).toEqual([expect.objectContaining({ key: expect.stringMatching(/^reply:turn:flaky:m1:/), text: 'answered hello' })]);
  });

  it('a final answer from a local step stays final: an unregistered group is not asked again on the channel queue', async () => {
    const stubs = stubActivities('gone', echo);
    const load = stubs.channel.loadTurnContext;
    stubs.channel.loadTurnContext = async (input) => {
      if (isLocal()) throw ApplicationFailure.nonRetryable('The group "gone" is not registered (any more).', 'GroupNotRegistered');
      return load(input);
    };
    const { error, events } = await runTurn('gone', stubs);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'GroupNotRegistered' });
    expect(scheduled(events)).toEqual([]);
    expect(stubs.seen.turns).toEqual([]);
    expect(stubs.seen.notices).toEqual([]);
  });

  it('the group gives its turn local steps when the newest message came through a channel that runs workflow tasks', async () => {
    const folder = 'flagged';
    const stubs = stubActivities(folder, echo);
    await withWorkers(wf, folder, stubs, async (queues) => {
      const group = groupProbe(wf.env.client, folder);
      const handle = await group.start(queues);
      await handle.signal(messageSignal, { ...message(folder, 1), localChannel: true });
      await group.idle();
      await handle.signal(messageSignal, message(folder, 2));
      await group.idle();
    });
    const firstInput = await wf.env.client.workflow.getHandle(turnWorkflowId(folder, 'm1')).fetchHistory();
    const secondInput = await wf.env.client.workflow.getHandle(turnWorkflowId(folder, 'm2')).fetchHistory();
    expect(scheduled((firstInput.events ?? []) as Event[])).toEqual(['chat']);
    expect(scheduled((secondInput.events ?? []) as Event[])).toEqual(['loadTurnContext', 'chat', 'deliver']);
    expect(stubs.seen.delivered.map((d) => d.text)).toEqual(['answered message 1', 'answered message 2']);
  });
});
