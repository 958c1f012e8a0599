// The least a turn could cost on this server: a workflow with one activity (what a plain
// turn is now: 2 workflow tasks and the model step), with nothing of BabyBot's in it.
import { proxyActivities } from '@temporalio/workflow';

const { step } = proxyActivities<{ step(): Promise<string> }>({ startToCloseTimeout: '10s' });

export async function oneStepWorkflow(): Promise<string> {
  return step();
}
