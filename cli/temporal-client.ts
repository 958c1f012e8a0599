// How the inspection commands (`runs`, `replay`, `retry`) reach Temporal: the server at
// TEMPORAL_ADDRESS, or the embedded one a running BabyBot serves on 127.0.0.1:TEMPORAL_PORT.
// They never start a server themselves: there is nothing to inspect in an empty one.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../lib/config.js';
import { runLink } from '../temporal/namespace.js';
import { fail } from './context.js';

export interface InspectionClient {
  client: Client;
  namespace: string;
  address: string;
  /** The Web UI page of a run, when a UI is known. */
  link(workflowId: string, runId?: string): string | undefined;
  close(): Promise<void>;
}

/** The Web UI: TEMPORAL_UI_URL, else the embedded server's own UI; unknown for an external server. */
export function webUiUrl(config: Config): string | undefined {
  if (config.TEMPORAL_UI_URL) return config.TEMPORAL_UI_URL;
  return config.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
}

export async function connectForInspection(config: Config): Promise<InspectionClient> {
  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 3000 });
    await connection.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE });
  } catch (error) {
    fail(
      `No Temporal server answers at ${address} (namespace ${config.TEMPORAL_NAMESPACE}): ${(error as Error).message}\n` +
        'Start BabyBot first (npm start) or set TEMPORAL_ADDRESS.',
    );
  }
  const uiUrl = webUiUrl(config);
  return {
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    namespace: config.TEMPORAL_NAMESPACE,
    address,
    link: (workflowId, runId) => runLink(uiUrl, config.TEMPORAL_NAMESPACE, workflowId, runId),
    close: () => connection.close(),
  };
}
