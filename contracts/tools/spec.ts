// A tool the model may call: one zod schema gives the argument type, the validation
// error the model sees when it gets them wrong, and the JSON schema it is shown. Where it
// runs is in places.ts, the table of every tool's name (tests/structure/workflow-bundle.test.ts
// holds the two together).
import type { z } from 'zod';
import type { ToolName } from './places.js';

export interface ToolSpec<S extends z.ZodObject = z.ZodObject> {
  name: ToolName;
  description: string;
  schema: S;
  /** Only the main group's turns are offered it. */
  mainOnly?: boolean;
  /**
   * Arguments only the main group may use (another group, another chat): left out of the
   * definition other groups are shown, where they could only be refused and a small model
   * fills them with whatever name it has (the chat's). The host still refuses them there.
   */
  mainOnlyFields?: readonly string[];
  /**
   * Offered only to a group that has a scheduled task: it lists or changes them, and a group
   * without any could only be told there is none (the host's note says so; the task tools
   * are a third of the cold prompt).
   */
  needsTask?: boolean;
}

export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): ToolSpec<S> {
  return spec;
}
