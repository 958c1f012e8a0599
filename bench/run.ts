// `npm run bench [NAME…]`: every benchmark, or the ones named. Figures are printed as
// medians and ratios measured in the same run; machines are shared and noisy.
import { DefaultLogger, Runtime } from '@temporalio/worker';

// One SDK runtime for the whole run, quiet but for errors.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const BENCHES: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  orchestration: () => import('./orchestration.bench.js'),
  sandbox: () => import('./sandbox.bench.js'),
  replay: () => import('./replay.bench.js'),
  'scale-out': () => import('./scale-out.bench.js'),
  cluster: () => import('./cluster.bench.js'),
  whatsapp: () => import('./whatsapp.bench.js'),
  model: () => import('./model.bench.js'),
  media: () => import('./media.bench.js'),
  'media-links': () => import('./media-links.bench.js'),
  'disk-walk': () => import('./disk-walk.bench.js'),
  prompt: () => import('./prompt.bench.js'),
  agent: () => import('./agent.bench.js'),
  quickstart: () => import('./quickstart.bench.js'),
  swarm: () => import('./swarm.bench.js'),
};

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(BENCHES)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  await (await load()).run();
}
process.exit(0);
