// The one way BabyBot checks its parts: `babybot doctor` prints the checks with their
// fixes, and `GET /api/health` reports them. A required part that fails makes the whole
// "down" (doctor exits 1, health answers 503); an optional one (WhatsApp, the sandbox, the
// speech model) only "degraded", because the local chat works without it. A check that
// throws counts as failed with its message; it never takes the others down with it.

export interface CheckResult {
  ok: boolean;
  detail: string;
  /** What to do when not ok. */
  fix?: string;
}

export interface Check<Args extends unknown[] = []> {
  name: string;
  required: boolean;
  run(...args: Args): Promise<CheckResult> | CheckResult;
}

export type CheckStatus = 'ok' | 'degraded' | 'down';

export interface CheckReport {
  status: CheckStatus;
  results: { name: string; required: boolean; result: CheckResult }[];
}

/** Runs the checks one after another, in order (doctor prints them in that order). */
export async function runChecks<Args extends unknown[]>(checks: Check<Args>[], ...args: Args): Promise<CheckReport> {
  const results: CheckReport['results'] = [];
  let status: CheckStatus = 'ok';
  for (const check of checks) {
    const result = await Promise.resolve()
      .then(() => check.run(...args))
      .catch((error: unknown): CheckResult => ({ ok: false, detail: (error as Error).message }));
    results.push({ name: check.name, required: check.required, result });
    if (!result.ok) status = check.required ? 'down' : status === 'down' ? 'down' : 'degraded';
  }
  return { status, results };
}
