// What `GET /api/health` reports: the process's parts checked the way doctor checks
// (lib/checks.ts). Store, Temporal and the workers are required: without them nothing is
// answered (503, so a supervisor restarts the process). WhatsApp and the sandbox are
// optional: the local chat works without them, so they make the report "degraded" (still
// 200) rather than down, and a supervisor does not restart a process merely because
// WhatsApp is reconnecting.
import type { HealthReport } from '../channel/http-server.js';
import { runChecks, type Check } from '../lib/checks.js';

export async function checkHealth(parts: Check[]): Promise<HealthReport> {
  const report = await runChecks(parts);
  const components: HealthReport['components'] = {};
  for (const { name, required, result } of report.results) components[name] = { ok: result.ok, detail: result.detail, required };
  return { status: report.status, components };
}
