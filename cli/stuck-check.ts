// `babybot doctor`'s line about stuck groups (the same finding as `babybot runs --stuck`):
// only when a Temporal server answers; with BabyBot stopped there is nothing to be stuck.
import { connectClient, TemporalUnreachable } from '../temporal/connect.js';
import { configuredTurnBoundMs, findStuckGroups } from '../temporal/stuck.js';
import type { DoctorCheck } from './doctor-check.js';

export const stuckCheck: DoctorCheck = {
  name: 'Stuck groups',
  required: false,
  async run(config) {
    const temporal = await connectClient(config).catch((error: unknown) => {
      if (error instanceof TemporalUnreachable) return undefined;
      throw error;
    });
    if (!temporal) return { ok: true, detail: 'not checked: no Temporal server answers (BabyBot is not running)' };
    try {
      const stuck = await findStuckGroups(temporal.client, { turnBoundMs: configuredTurnBoundMs(config) });
      if (stuck.length === 0) return { ok: true, detail: 'none' };
      return {
        ok: false,
        detail: stuck.map((group) => `group:${group.folder}: ${group.reason.split('\n')[0]}`).join('; '),
        fix: 'Run `babybot runs --stuck` for their Web UI links; a turn that will not end can be terminated there, a failed one rerun with `babybot retry`.',
      };
    } finally {
      await temporal.close();
    }
  },
};
