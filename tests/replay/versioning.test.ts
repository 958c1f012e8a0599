// The versioning strategy, checked: every change of a workflow's commands is a patch
// (patched() with an id from contracts/patches.ts), listed in docs/architecture.md, and the
// committed histories hold both sides of it: runs recorded before it (no marker: the old
// path) and runs recorded after it (its marker: the new path), all replaying against the
// current code (replay.test.ts replays every one of them).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATCHES } from '../../contracts/patches.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HISTORIES = path.join(ROOT, 'tests/replay/histories');

interface RecordedHistory {
  file: string;
  workflowType: string;
  patches: string[];
}

/** The workflow type and patch markers of each committed history. */
function recorded(): RecordedHistory[] {
  const files = (fs.readdirSync(HISTORIES, { recursive: true }) as string[]).filter((f) => f.endsWith('.json'));
  return files.map((file) => {
    type Event = {
      workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } };
      markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
    };
    const { events } = JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8')) as { events: Event[] };
    const workflowType = events[0].workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
    const patches = events
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_patch')
      // Its details' patch-data payload: {"id": …, "deprecated": …} in JSON.
      .map((m) => (JSON.parse(Buffer.from(m!.details?.['patch-data']?.payloads?.[0]?.data ?? '', 'base64').toString('utf8')) as { id: string }).id);
    return { file, workflowType, patches };
  });
}

const workflowSource = fs
  .readdirSync(path.join(ROOT, 'workflows'))
  .map((f) => fs.readFileSync(path.join(ROOT, 'workflows', f), 'utf8'))
  .join('\n');
const docs = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');

describe('the versioning strategy: patches', () => {
  const histories = recorded();

  it('reads the patch markers of the recorded histories', () => {
    expect(histories.some((h) => h.patches.length > 0)).toBe(true);
  });

  it('no workflow code calls patched() with an id that is not in the table', () => {
    const ids = [...workflowSource.matchAll(/(?:patched|deprecatePatch)\(\s*(['"`])([^'"`]+)\1/g)].map((m) => m[2]);
    expect(ids, 'pass PATCHES.<name>.id (contracts/patches.ts), not a string').toEqual([]);
  });

  it.each(Object.entries(PATCHES))('%s is used, documented, and replayed on both of its paths', (name, patch) => {
    expect(workflowSource).toMatch(new RegExp(`(patched|deprecatePatch)\\(PATCHES\\.${name}\\.id\\)`));
    expect(docs, `docs/architecture.md lists the patch ${patch.id} with its date`).toMatch(new RegExp(`${patch.id}.*${patch.added}`));
    const ofType = histories.filter((h) => h.workflowType === patch.workflow);
    const newPath = ofType.filter((h) => h.patches.includes(patch.id)).map((h) => h.file);
    const oldPath = ofType.filter((h) => !h.patches.includes(patch.id)).map((h) => h.file);
    expect(newPath, `a history of ${patch.workflow} recorded with ${patch.id} (scripts/record-histories.ts)`).not.toEqual([]);
    expect(oldPath, `a history of ${patch.workflow} recorded before ${patch.id}, kept while runs like it may be in flight`).not.toEqual([]);
  });
});
