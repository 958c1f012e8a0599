// The floor under the orchestration figures, measured on the same kind of server in the same
// run: a bare workflow with one activity (bench/floor/workflows.ts), started by a client and
// awaited, sequentially and 20 at a time. What BabyBot adds per turn is the rest.
import { createRequire } from 'node:module';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker-set.js';
import { percentile } from '../stats.js';
import { startBenchEnvironment } from '../support.js';

const SEQUENTIAL = 200;
const AT_ONCE = 20;
const EACH = 10;

export interface Floor {
  p50: number;
  perSecond: number;
}

export async function measureFloor(): Promise<Floor> {
  const bench = await startBenchEnvironment('floor');
  const connection = await NativeConnection.connect({ address: bench.server.address });
  try {
    const workflowBundle = await bundleWorkflows(createRequire(import.meta.url).resolve('./workflows.ts'));
    const worker = await Worker.create({ connection, taskQueue: 'floor', workflowBundle, activities: { step: async () => 'ok' } });
    const client = new Client({ connection });
    const once = async (id: string) => {
      const began = performance.now();
      await client.workflow.execute('oneStepWorkflow', { taskQueue: 'floor', workflowId: id });
      return performance.now() - began;
    };
    return await worker.runUntil(async () => {
      for (let i = 0; i < 10; i++) await once(`warm-${i}`);
      const latencies: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) latencies.push(await once(`seq-${i}`));
      const began = performance.now();
      await Promise.all(Array.from({ length: AT_ONCE }, async (_, g) => {
        for (let i = 0; i < EACH; i++) await once(`burst-${g}-${i}`);
      }));
      const perSecond = (AT_ONCE * EACH) / ((performance.now() - began) / 1000);
      const floor = { p50: percentile(latencies, 50), perSecond };
      console.log(
        `the floor on this server: a bare workflow with one activity, started and awaited: p50 ${floor.p50.toFixed(1)} ms; ` +
          `${AT_ONCE} at a time: ${perSecond.toFixed(1)} workflows/s`,
      );
      return floor;
    });
  } finally {
    await connection.close();
    await bench.close();
  }
}
