// The workflows worker polls no activity task queue of its own (enableNonLocalActivities:
// false in workers/worker-set.ts): an activity scheduled without naming its queue would wait
// there for ever. So every proxyActivities call in workflow code names its taskQueue.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const WORKFLOWS = path.resolve(import.meta.dirname, '../../workflows');

describe('activities called from workflows', () => {
  const calls = fs.readdirSync(WORKFLOWS).flatMap((file) => {
    const source = fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');
    // Each call's options: from `proxyActivities<…>({` to the first `})` after it.
    return source
      .split(/proxyActivities</)
      .slice(1)
      .map((rest) => ({ file, options: rest.slice(0, rest.indexOf('})')) }));
  });

  it('are found', () => {
    expect(calls.length).toBeGreaterThanOrEqual(5);
  });

  it('each name their task queue', () => {
    expect(calls.filter((c) => !/\btaskQueue:/.test(c.options)).map((c) => c.file)).toEqual([]);
  });
});
