import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../workers/health.js';

describe('the health report', () => {
  const up = { ok: true, detail: 'fine' };
  it('is ok when every part is', async () => {
    expect((await checkHealth([{ name: 'store', required: true, run: () => up }])).status).toBe('ok');
  });
  it('is degraded, not down, when only an optional part fails (WhatsApp reconnecting)', async () => {
    const report = await checkHealth([
      { name: 'store', required: true, run: () => up },
      { name: 'whatsapp', required: false, run: () => ({ ok: false, detail: 'reconnecting' }) },
    ]);
    expect(report).toEqual({
      status: 'degraded',
      components: { store: { ok: true, detail: 'fine', required: true }, whatsapp: { ok: false, detail: 'reconnecting', required: false } },
    });
  });
  it('is down when a required part fails or throws', async () => {
    const report = await checkHealth([
      { name: 'temporal', required: true, run: async () => { throw new Error('connection refused'); } },
      { name: 'whatsapp', required: false, run: () => ({ ok: false, detail: 'reconnecting' }) },
    ]);
    expect(report.status).toBe('down');
    expect(report.components.temporal).toEqual({ ok: false, detail: 'connection refused', required: true });
  });
});
