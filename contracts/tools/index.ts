// Every tool the model can be offered. Each capability adds its own file of specs here.
import { z } from 'zod';
import { GROUP_TOOLS } from './group-tools.js';
import { HOST_TOOLS, readSkill } from './host-tools.js';
import { SANDBOX_TOOLS } from './sandbox-tools.js';
import type { ToolSpec } from './spec.js';
import { TASK_TOOLS } from './task-tools.js';

export type { ToolSpec, ToolPlace } from './spec.js';

// read_skill last, where it has always been offered: the order the model sees is unchanged.
export const ALL_TOOLS: readonly ToolSpec[] = [...HOST_TOOLS.filter((tool) => tool !== readSkill), ...TASK_TOOLS, ...GROUP_TOOLS, ...SANDBOX_TOOLS, readSkill];

const BY_NAME = new Map(ALL_TOOLS.map((tool) => [tool.name, tool]));

/** The tools a group's turn is offered: main-only tools only in the main group. */
export function toolsFor(isMain: boolean): string[] {
  return ALL_TOOLS.filter((tool) => isMain || !tool.mainOnly).map((tool) => tool.name);
}

export type ToolCheck =
  | { ok: true; tool: ToolSpec; args: Record<string, unknown> }
  | { ok: false; error: string };

/** Checks a call from the model: an unknown tool or bad arguments become an error the model can read and correct. */
export function checkToolCall(name: string, args: unknown, offered: readonly string[]): ToolCheck {
  const tool = BY_NAME.get(name);
  if (!tool || !offered.includes(name)) {
    return { ok: false, error: `Error: there is no tool named "${name}". The tools you can call are: ${offered.join(', ')}.` };
  }
  const parsed = tool.schema.safeParse(args ?? {});
  if (!parsed.success) {
    return { ok: false, error: `Error: the arguments for ${name} are not valid:\n${z.prettifyError(parsed.error)}\nCall it again with corrected arguments.` };
  }
  return { ok: true, tool, args: parsed.data as Record<string, unknown> };
}

/** The tool definitions in the shape Ollama's /api/chat takes, generated from the same schemas. */
export function toolDefinitions(names: readonly string[]) {
  return names.map((name) => {
    const tool = BY_NAME.get(name)!;
    const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.schema) as Record<string, unknown>;
    return { type: 'function' as const, function: { name: tool.name, description: tool.description, parameters } };
  });
}
