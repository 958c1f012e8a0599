// Every committed history (recorded from real runs by scripts/record-histories.ts) must
// replay against the current workflow code: a change that would break runs in flight
// fails CI here. And the check really bites: a deliberately changed workflow is caught.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeReplay, readHistoryFile, replayHistory, workflowIdOf } from '../../temporal/replay.js';
import { bundleWorkflows } from '../../workers/worker-set.js';

const HISTORIES = path.resolve(import.meta.dirname, 'histories');
// The first set at the top, each later set in a folder named by the date it was recorded.
const files = (fs.readdirSync(HISTORIES, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).sort();

describe('recorded histories', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
  });

  it('cover a plain turn, tool calls, a failure, a continue-as-new, a task run and its turn', () => {
    expect(files).toEqual(
      expect.arrayContaining(['plain-turn.json', 'tool-turn.json', 'failed-turn.json', 'group-continue-as-new.json', 'task-run.json', 'task-turn.json']),
    );
  });

  it('cover the default path: local channel steps, a job, an invalid tool argument, a cancelled group', () => {
    const set = '2026-12-07';
    expect(files).toEqual(
      expect.arrayContaining(
        ['plain-turn', 'tool-turn', 'failed-turn', 'invalid-tool-argument', 'group-continue-as-new', 'group-cancelled', 'task-run', 'task-turn'].map((name) =>
          path.join(set, `${name}.json`),
        ),
      ),
    );
  });

  it('cover chat commands: updates answered beside a turn, a turn stopped by /stop', () => {
    expect(files).toEqual(expect.arrayContaining(['group-commands', 'stopped-turn'].map((name) => path.join('2026-12-07c', `${name}.json`))));
  });

  it('cover approvals: a call that waited for the owner and ran', () => {
    expect(files).toContain(path.join('2026-12-07d', 'approved-call.json'));
  });

  it('cover /model pulling a model Ollama lacks, and one the registry does not know', () => {
    expect(files).toContain(path.join('2026-12-07f', 'model-pull.json'));
  });

  it('cover the interim message: words beside the first call sent before the tool runs', () => {
    expect(files).toContain(path.join('2026-12-07h', 'interim-message.json'));
  });

  it('cover sub-agents: a turn that delegated, a sub-agent, a background one and the group delivering its result', () => {
    expect(files).toEqual(
      expect.arrayContaining(['delegated-turn', 'sub-agent', 'background-agent', 'group-agent-result'].map((name) => path.join('2026-12-07g', `${name}.json`))),
    );
  });

  it.each(files)('%s replays against the current workflow code', async (file) => {
    const history = readHistoryFile(path.join(HISTORIES, file));
    const outcome = await replayHistory(bundle, history, workflowIdOf(history, file));
    expect(outcome.ok, describeReplay(outcome, file)).toBe(true);
  });
});

describe('a deliberately changed workflow', () => {
  let changed: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    // The real workflows, except that a turn now waits on a timer before its first step:
    // one command more than the recorded runs issued.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-changed-workflows-'));
    const entry = path.join(dir, 'index.ts');
    const root = path.resolve(import.meta.dirname, '../..');
    const workflows = path.join(root, 'workflows');
    // The bundler resolves the SDK from the entry's folder: let it find the project's.
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(
      entry,
      [
        `export * from ${JSON.stringify(path.join(workflows, 'index.ts'))};`,
        "import { sleep } from '@temporalio/workflow';",
        `import { agentTurnWorkflow as original } from ${JSON.stringify(path.join(workflows, 'agent-turn.ts'))};`,
        'export async function agentTurnWorkflow(input: Parameters<typeof original>[0]) {',
        "  await sleep('1 second');",
        '  return original(input);',
        '}',
      ].join('\n'),
    );
    try {
      changed = await bundleWorkflows(entry);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails replay with a clear determinism message', async () => {
    const history = readHistoryFile(path.join(HISTORIES, 'plain-turn.json'));
    const outcome = await replayHistory(changed, history, workflowIdOf(history, 'plain-turn'));
    expect(outcome.ok).toBe(false);
    const text = describeReplay(outcome, 'plain-turn.json');
    expect(outcome.ok === false && outcome.determinism, text).toBe(true);
    expect(text).toMatch(/^DETERMINISM VIOLATION: plain-turn\.json \(25 events\)/);
    expect(text).toMatch(/TMPRL1100/);
    expect(text).toMatch(/patched\(\)/);
  });
});
