// What guarding workflow changes costs: bundling the workflow code once, then replaying each
// recorded history (tests/replay/histories) against it, as the replay test and
// `babybot replay` do. Each history is replayed several times; medians and p95 per history.
import fs from 'node:fs';
import path from 'node:path';
import { readHistoryFile, replayHistory, workflowIdOf } from '../temporal/replay.js';
import { bundleWorkflows } from '../workers/worker-set.js';
import { percentile } from './stats.js';

const ROUNDS = 10;
const HISTORIES = path.resolve(import.meta.dirname, '../tests/replay/histories');

export async function run(): Promise<void> {
  const bundleStarted = performance.now();
  const bundle = await bundleWorkflows();
  const bundleMs = performance.now() - bundleStarted;
  console.log(`bundle the workflow code: ${bundleMs.toFixed(0)} ms`);

  let total = 0;
  for (const file of fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort()) {
    const history = readHistoryFile(path.join(HISTORIES, file));
    const samples: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const outcome = await replayHistory(bundle, history, workflowIdOf(history, file));
      samples.push(performance.now() - started);
      if (!outcome.ok) throw new Error(`${file} does not replay: ${outcome.message}`);
    }
    const median = percentile(samples, 50);
    total += median;
    console.log(
      `replay ${file.padEnd(28)} ${String(history.events?.length).padStart(3)} events: ` +
        `median ${median.toFixed(0)} ms, p95 ${percentile(samples, 95).toFixed(0)} ms (${ROUNDS} rounds)`,
    );
  }
  console.log(`all histories once: ${total.toFixed(0)} ms (medians summed) = ${(total / bundleMs).toFixed(2)}x one bundling`);
}
