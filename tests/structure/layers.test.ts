// The structure docs/architecture.md draws holds: no import cycles, no import against the
// layers (scripts/lint/layers.js), and the lint rule that enforces it catches an upward
// import from any depth, a type-only one included.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { importGraph } from '../../scripts/import-graph.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the import graph', () => {
  const graph = importGraph(ROOT);
  it('has no cycles', () => {
    expect(graph.cycles).toEqual([]);
  });
  it('has no import against the layers', () => {
    expect(graph.upward).toEqual([]);
  });
});

describe('the layers lint rule', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return result.messages.filter((m) => m.ruleId === 'babybot/layers').map((m) => m.message);
  };

  it('lets a workflow import contracts/, from a nested folder too', async () => {
    expect(await lint('workflows/nested/probe.ts', "import type { TurnContext } from '../../contracts/types.js';\nexport type T = TurnContext;\n")).toEqual([]);
  });
  it('refuses a workflow importing an activity, even types only, from a nested folder', async () => {
    const messages = await lint('workflows/nested/probe.ts', "import type { Store } from '../../lib/store/store.js';\nexport type S = Store;\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('workflows/ may import only from workflows, contracts; not from lib/');
  });
  it('refuses a lower layer importing a higher one', async () => {
    expect(await lint('lib/probe.ts', "import { startBabyBot } from '../workers/composition-root.js';\nexport const s = startBabyBot;\n")).toHaveLength(1);
    expect(await lint('contracts/probe.ts', "export * from '../workflows/group.js';\n")).toHaveLength(1);
  });
  it('refuses a product folder importing test code', async () => {
    expect(await lint('channel/probe.ts', "import '../tests/support/test-bot.js';\n")).toHaveLength(1);
  });
});
