// The real multi-service Temporal cluster that scripts/components/temporal-cluster.sh
// starts (PostgreSQL, frontend, history, matching, worker, Web UI as separate processes),
// and what a test needs from it: its address, a fresh namespace, and a hand on each
// service to SIGKILL, stop and start it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { holdDirLock } from '../support/dir-lock.js';

export type ClusterService = 'postgresql' | 'frontend' | 'history' | 'matching' | 'worker' | 'ui' | 'all';

export interface Cluster {
  address: string;
  uiUrl: string;
  /** .cache/temporal-cluster/service.sh ACTION NAME */
  control: string;
}

/** The cluster from $BABYBOT_TEST_ENV; under CI its absence fails the file, it never skips it. */
export function clusterFromEnv(): Cluster | undefined {
  const { BABYBOT_CLUSTER_ADDRESS: address, BABYBOT_CLUSTER_UI_URL: uiUrl, BABYBOT_CLUSTER_CONTROL: control } = process.env;
  if (address && uiUrl && control) return { address, uiUrl, control };
  if (process.env.CI === 'true') {
    throw new Error(
      'No Temporal cluster for tests/cluster: run scripts/components/temporal-cluster.sh (npm run test:all does) and source .cache/test-env.sh.',
    );
  }
  return undefined;
}

/** Runs the cluster's control script: start, stop (SIGTERM), kill (SIGKILL), restart. */
export function service(cluster: Cluster, action: 'start' | 'stop' | 'kill' | 'restart', name: ClusterService): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [cluster.control, action, name], { timeout: 180_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`service.sh ${action} ${name} failed: ${error.message}\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

/**
 * A namespace of its own for one test file: the cluster outlives test runs, and a new
 * store must not meet the group workflows an earlier run left behind.
 */
export async function createNamespace(cluster: Cluster, prefix: string): Promise<string> {
  const namespace = `${prefix}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const connection = await Connection.connect({ address: cluster.address, connectTimeout: 30_000 });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('3 days'),
    });
    // Every service learns of a new namespace from its registry's next refresh (~2 s).
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await new Promise((r) => setTimeout(r, 3000));
  } finally {
    await connection.close();
  }
  return namespace;
}

/**
 * One test file at a time on the cluster: the fault tests kill and stop its services, which
 * another file's single CLI call could meet. Resolves with the release; a lock left by a
 * test process that died is taken over.
 */
export async function lockCluster(cluster: Cluster, timeoutMs = 900_000): Promise<() => void> {
  return holdDirLock(path.join(path.dirname(cluster.control), 'test-lock'), 'The cluster', timeoutMs, 1000);
}
