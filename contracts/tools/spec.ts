// A tool the model may call: one zod schema gives the argument type, the validation
// error the model sees when it gets them wrong, and the JSON schema it is shown.
import type { z } from 'zod';

/** Where a tool runs: on the host (the channel queue) or inside the group's container. */
export type ToolPlace = 'host' | 'sandbox';

export interface ToolSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  schema: S;
  runsOn: ToolPlace;
  /** Only the main group's turns are offered it. */
  mainOnly?: boolean;
}

export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): ToolSpec<S> {
  return spec;
}
