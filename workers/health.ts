// What `GET /api/health` reports. Store, Temporal and the workers are required: without
// them nothing is answered (503, so a supervisor restarts the process). WhatsApp and the
// sandbox are optional: the local chat works without them, so they make the report
// "degraded" (still 200) rather than down, and a supervisor does not restart a process
// merely because WhatsApp is reconnecting.
import type { HealthReport } from '../channel/http-server.js';

export interface HealthPart {
  name: string;
  required: boolean;
  check(): Promise<{ ok: boolean; detail: string }> | { ok: boolean; detail: string };
}

export async function checkHealth(parts: HealthPart[]): Promise<HealthReport> {
  const components: HealthReport['components'] = {};
  let status: HealthReport['status'] = 'ok';
  for (const part of parts) {
    const result = await Promise.resolve()
      .then(() => part.check())
      .catch((error: unknown) => ({ ok: false, detail: (error as Error).message }));
    components[part.name] = { ...result, required: part.required };
    if (!result.ok) status = part.required ? 'down' : status === 'down' ? 'down' : 'degraded';
  }
  return { status, components };
}
