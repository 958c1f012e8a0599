// `babybot runs` lists a turn's sub-agents right under it, marked as its children.
import { describe, expect, it } from 'vitest';
import { formatRun } from '../../cli/runs.js';
import { underTheirTurns, type RunSummary } from '../../temporal/runs.js';

const run = (workflowId: string, minute: number, parent?: string): RunSummary => ({
  workflowId,
  runId: `r-${workflowId}`,
  type: parent ? 'agentWorkflow' : 'agentTurnWorkflow',
  status: 'COMPLETED',
  startTime: new Date(Date.UTC(2026, 0, 1, 0, minute)),
  durationMs: 1000,
  ...(parent ? { parent, text: `brief of ${workflowId}` } : {}),
});

describe('babybot runs', () => {
  it('shows sub-agent runs under their turn, in the order they started', () => {
    // Newest first, as listRuns reads them.
    const listed = underTheirTurns([
      run('turn:main:m2', 9),
      run('agent:main:m1:2', 6, 'turn:main:m1'),
      run('agent:main:m1:1', 5, 'turn:main:m1'),
      run('turn:main:m1', 4),
      run('agent:main:m0:1', 1, 'turn:main:m0'),
    ]);
    expect(listed.map((r) => r.workflowId)).toEqual(['turn:main:m2', 'turn:main:m1', 'agent:main:m1:1', 'agent:main:m1:2', 'agent:main:m0:1']);
    expect(formatRun(listed[2], undefined).split('\n')[0]).toMatch(/^COMPLETED  └ agent:main:m1:1 .* "brief of agent:main:m1:1"$/);
  });
});
