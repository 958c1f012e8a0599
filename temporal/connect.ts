// How a BabyBot process that does not start the server itself (a worker, the CLI's
// commands) reaches Temporal: one address rule, one Web UI rule, one check of the
// namespace, and one way to say what to do when nothing answers.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../lib/config.js';
import { runLink } from './namespace.js';

/** TEMPORAL_ADDRESS, else the embedded server a `babybot start` on this machine serves. */
export function temporalAddress(config: Config): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}

/** The Web UI: TEMPORAL_UI_URL, else the embedded server's own UI; unknown for an external server. */
export function webUiUrl(config: Config): string | undefined {
  if (config.TEMPORAL_UI_URL) return config.TEMPORAL_UI_URL;
  return config.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
}

/** Nothing answers at the address, or it has no such namespace; the message says what to do. */
export class TemporalUnreachable extends Error {
  override name = 'TemporalUnreachable';
  constructor(config: Config, cause: unknown) {
    super(
      `No Temporal server answers at ${temporalAddress(config)} (namespace ${config.TEMPORAL_NAMESPACE}): ${(cause as Error).message}\n` +
        'Start BabyBot first (npm start) or set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE) to a Temporal server that answers.',
    );
  }
}

export interface TemporalClient {
  client: Client;
  connection: Connection;
  namespace: string;
  address: string;
  /** The Web UI page of a run, when a UI is known. */
  link(workflowId: string, runId?: string): string | undefined;
  close(): Promise<void>;
}

/** A client of the configured server, its namespace checked; throws TemporalUnreachable. */
export async function connectClient(config: Config, connectTimeoutMs = 3000): Promise<TemporalClient> {
  const address = temporalAddress(config);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: connectTimeoutMs });
    await connection.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE });
  } catch (error) {
    await connection?.close();
    throw new TemporalUnreachable(config, error);
  }
  const uiUrl = webUiUrl(config);
  const open = connection;
  return {
    client: new Client({ connection: open, namespace: config.TEMPORAL_NAMESPACE }),
    connection: open,
    namespace: config.TEMPORAL_NAMESPACE,
    address,
    link: (workflowId, runId) => runLink(uiUrl, config.TEMPORAL_NAMESPACE, workflowId, runId),
    close: () => open.close(),
  };
}

/** The connection workers poll on, its namespace checked; throws TemporalUnreachable. */
export async function connectWorkers(config: Config): Promise<NativeConnection> {
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect({ address: temporalAddress(config) });
    await connection.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE });
    return connection;
  } catch (error) {
    await connection?.close();
    throw new TemporalUnreachable(config, error);
  }
}
