// The Temporal server BabyBot talks to: the one at TEMPORAL_ADDRESS, or an embedded dev
// server it supervises itself (SQLite under DATA_DIR, Web UI on TEMPORAL_UI_PORT).
import { Connection } from '@temporalio/client';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { ensureTemporalCli } from './cli-binary.js';
import { webUiUrl } from './connect.js';
import { DevServer, type HttpListeners } from './dev-server.js';
import { ensureRetention, ensureSearchAttributes } from './namespace.js';

export interface TemporalServer {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  embedded: boolean;
  /** The embedded server's other HTTP listeners (what SECURITY.md says of each). */
  listeners?: HttpListeners;
  stop(): Promise<void>;
}

export async function startTemporalServer(config: Config, log: Logger): Promise<TemporalServer> {
  let server: DevServer | undefined;
  if (!config.TEMPORAL_ADDRESS) {
    const cli = await ensureTemporalCli(config.TEMPORAL_CLI, (line) => log.info(line));
    server = new DevServer({
      cli,
      dataDir: config.dataDir,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespaces: [config.TEMPORAL_NAMESPACE],
      log: (line) => log.warn(line),
    });
    await server.start();
  }
  const address = server?.address ?? config.TEMPORAL_ADDRESS!;
  try {
    const connection = await Connection.connect({ address, connectTimeout: 10_000 });
    try {
      await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
      if (server) await ensureRetention(connection, config.TEMPORAL_NAMESPACE, config.TEMPORAL_RETENTION);
    } finally {
      await connection.close();
    }
  } catch (error) {
    await server?.stop();
    throw new Error(
      `Could not prepare the Temporal namespace "${config.TEMPORAL_NAMESPACE}" at ${address}: ${(error as Error).message}` +
        (server ? '' : '\nCheck TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, or unset TEMPORAL_ADDRESS to use the embedded server.'),
    );
  }
  return {
    address,
    namespace: config.TEMPORAL_NAMESPACE,
    uiUrl: webUiUrl(config),
    embedded: server !== undefined,
    listeners: server?.listeners,
    stop: async () => server?.stop(),
  };
}
