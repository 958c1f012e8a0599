// Makes the namespace ready for BabyBot: its search attributes exist, and (on the embedded
// server) closed runs are kept long enough for a person to inspect a failure.
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../contracts/search-attributes.js';

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  await untilUsable(connection, namespace, missing.map((key) => key.name));
}

/**
 * A new search attribute is stored at once, but a frontend (of a cluster; the dev server is
 * quicker) refuses to use it until its namespace cache has refreshed, up to ~10 s later: a
 * workflow or Schedule started before then fails with "no mapping defined for search
 * attribute". Waits until a query naming each one is accepted.
 */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;

async function untilUsable(connection: Connection, namespace: string, names: string[], timeoutMs = 60_000): Promise<void> {
  const query = names.map((name) => `${name} = 'babybot-probe'`).join(' AND ');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query });
      return;
    } catch (error) {
      // Only the cache's answers are waited out: an unknown attribute (INVALID_ARGUMENT) or a
      // namespace not seen yet (NOT_FOUND). Anything else (unreachable, refused) fails at once.
      const code = (error as { code?: number }).code;
      if (code !== GRPC_INVALID_ARGUMENT && code !== GRPC_NOT_FOUND) throw error;
      if (Date.now() > deadline) {
        throw new Error(`The search attributes ${names.join(', ')} were added to "${namespace}" but are still not usable after ${timeoutMs / 1000} s: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The dev server keeps closed runs for a day unless told otherwise; failed runs should outlive that. */
export async function ensureRetention(connection: Connection, namespace: string, retentionMs: number): Promise<void> {
  const described = await connection.workflowService.describeNamespace({ namespace });
  const current = Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
  const wanted = Math.round(retentionMs / 1000);
  if (current >= wanted) return;
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(retentionMs) },
  });
}

/** The Web UI page of one run. */
export function runLink(uiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!uiUrl) return undefined;
  const base = `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}` : base;
}
