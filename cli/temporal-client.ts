// How the inspection commands (`runs`, `replay`, `retry`, `tasks`) reach Temporal: the
// server at TEMPORAL_ADDRESS, or the embedded one a running BabyBot serves. They never
// start a server themselves: there is nothing to inspect in an empty one.
import type { Config } from '../lib/config.js';
import { connectClient, type TemporalClient } from '../temporal/connect.js';
import { fail } from './context.js';

export type InspectionClient = TemporalClient;

export async function connectForInspection(config: Config): Promise<InspectionClient> {
  return connectClient(config).catch((error: unknown) => fail((error as Error).message));
}
