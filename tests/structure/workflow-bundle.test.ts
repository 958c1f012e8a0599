// What the workflow bundle carries: a worker evaluates its modules again for every workflow
// it creates (one per turn), so it must stay small. No zod and no tool schemas: a turn routes
// tool calls by contracts/tools/places.ts, and the arguments are checked where tools run.
import { describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../contracts/tools/index.js';
import { TOOL_PLACES } from '../../contracts/tools/places.js';
import { SANDBOX_TOOLS } from '../../contracts/tools/sandbox-tools.js';
import { AGENT_TOOLS } from '../../contracts/tools/agent-tools.js';
import { REPLY_TOOLS } from '../../contracts/tools/reply-tool.js';
import { bundleWorkflows } from '../../workers/worker-set.js';

describe('the workflow bundle', () => {
  it('holds no zod and no tool schemas', async () => {
    const { code } = await bundleWorkflows();
    const modules = [...code.matchAll(/\/\*\*\*\/ "(\.\/[^"]+)"/g)].map((match) => match[1]);
    expect(modules).toContain('./workflows/agent-turn.ts');
    expect(modules.filter((id) => id.includes('/zod/'))).toEqual([]);
    expect(modules.filter((id) => id.startsWith('./contracts/tools/'))).toEqual(['./contracts/tools/places.ts']);
  }, 60_000);

  it('routes every tool where its spec belongs: the sandbox tools to the sandbox, delegate to the workflow, reply to the answer, the rest to the host', () => {
    const sandbox = new Set<string>(SANDBOX_TOOLS.map((tool) => tool.name));
    const workflow = new Set<string>(AGENT_TOOLS.map((tool) => tool.name));
    const answer = new Set<string>(REPLY_TOOLS.map((tool) => tool.name));
    const placeOf = (name: string) => (sandbox.has(name) ? 'sandbox' : workflow.has(name) ? 'workflow' : answer.has(name) ? 'answer' : 'host');
    expect(Object.keys(TOOL_PLACES).sort()).toEqual(ALL_TOOLS.map((tool) => tool.name).sort());
    for (const tool of ALL_TOOLS) expect([tool.name, TOOL_PLACES[tool.name]]).toEqual([tool.name, placeOf(tool.name)]);
  });
});
