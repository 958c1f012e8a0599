// Every tool the model can be offered. Each capability adds its own file of specs here.
import { z } from 'zod';
import { AGENT_TOOLS } from './agent-tools.js';
import { GROUP_TOOLS } from './group-tools.js';
import { HOST_TOOLS } from './host-tools.js';
import { REPLY_TOOLS } from './reply-tool.js';
import { SANDBOX_TOOLS } from './sandbox-tools.js';
import type { ToolSpec } from './spec.js';
import { TASK_TOOLS } from './task-tools.js';

export type { ToolSpec } from './spec.js';
export type { ToolPlace } from './places.js';

/** A tool whose definition is the same bytes for every group (offered to all, no main-only field). */
const sameForAll = (tool: ToolSpec) => !tool.mainOnly && !tool.mainOnlyFields?.length && !tool.needsTask;

// The order the model reads them in, right after the system prompt: first the tools every group
// is shown in the same bytes, then those main sees differently or alone, then those offered
// only to a group with a task. So any turn after another group's reuses Ollama's cache of all
// the tools both were shown before the first that differs (see activities/turn-context.ts).
// reply comes first: the models read the first tool as the one to reach for (reply-tool.ts).
const BY_CAPABILITY: readonly ToolSpec[] = [...REPLY_TOOLS, ...HOST_TOOLS, ...SANDBOX_TOOLS, ...TASK_TOOLS, ...GROUP_TOOLS, ...AGENT_TOOLS];
export const ALL_TOOLS: readonly ToolSpec[] = [
  ...BY_CAPABILITY.filter(sameForAll),
  ...BY_CAPABILITY.filter((tool) => !sameForAll(tool) && !tool.needsTask),
  ...BY_CAPABILITY.filter((tool) => tool.needsTask),
];
/** Every tool's name: what a call may name at all, offered or not. */
export const ALL_TOOL_NAMES: readonly string[] = ALL_TOOLS.map((tool) => tool.name);

const BY_NAME: ReadonlyMap<string, ToolSpec> = new Map(ALL_TOOLS.map((tool) => [tool.name, tool]));

/**
 * The tools a group's turn is offered: main-only tools only in the main group, those that
 * change a task only where there is one (`hasTask`; the bench's new groups have none).
 */
export function toolsFor(isMain: boolean, hasTask = true): string[] {
  return ALL_TOOLS.filter((tool) => (isMain || !tool.mainOnly) && (hasTask || !tool.needsTask)).map((tool) => tool.name);
}

export type ToolCheck =
  | { ok: true; tool: ToolSpec; args: Record<string, unknown> }
  | { ok: false; error: string };

/**
 * Checks a tool call's arguments where the tool runs (the activity): bad arguments become an
 * error the model reads and corrects. Whether the turn was offered the tool the workflow has
 * already checked (offeredPlace).
 */
export function checkToolArguments(name: string, args: unknown): ToolCheck {
  const tool = BY_NAME.get(name);
  if (!tool) return { ok: false, error: `Error: there is no tool named "${name}".` };
  const parsed = tool.schema.safeParse(args ?? {});
  if (!parsed.success) {
    return { ok: false, error: `Error: the arguments for ${name} are not valid:\n${z.prettifyError(parsed.error)}\nCall it again with corrected arguments.` };
  }
  return { ok: true, tool, args: parsed.data as Record<string, unknown> };
}

function definitionOf(tool: ToolSpec, main: boolean) {
  const hidden = main ? [] : (tool.mainOnlyFields ?? []);
  const schema = hidden.length ? tool.schema.omit(Object.fromEntries(hidden.map((field) => [field, true])) as Record<string, true>) : tool.schema;
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { type: 'function' as const, function: { name: tool.name, description: tool.description, parameters: shown(parameters) as Record<string, unknown> } };
}

/**
 * The JSON schema as the model reads it: types, descriptions, required fields and choices,
 * without the bounds (lengths, counts, `additionalProperties`). Ollama drops them from a
 * tool's own fields but renders an array's `items` verbatim: delegate's briefs cost 49 more
 * prompt tokens with them (0.5B, 2026-12-07), read on every cold start. The host checks each
 * call against the whole zod schema anyway and tells the model what was wrong.
 */
function shown(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(shown);
  if (!schema || typeof schema !== 'object') return schema;
  const kept = Object.entries(schema).filter(([key]) => !BOUNDS.has(key));
  return Object.fromEntries(
    // `properties` maps the tool's own field names, which are kept whatever they are called.
    kept.map(([key, value]) => [key, key === 'properties' ? mapValues(value as object, shown) : shown(value)]),
  );
}
const BOUNDS = new Set(['minLength', 'maxLength', 'minItems', 'maxItems', 'additionalProperties']);
const mapValues = (object: object, map: (value: unknown) => unknown) => Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));

// Generated once per scope: converting the schemas was ~2 ms of every model step.
const DEFINITIONS = {
  main: new Map<string, ReturnType<typeof definitionOf>>(ALL_TOOLS.map((tool) => [tool.name, definitionOf(tool, true)])),
  group: new Map<string, ReturnType<typeof definitionOf>>(ALL_TOOLS.map((tool) => [tool.name, definitionOf(tool, false)])),
} as const;

/**
 * The tool definitions in the shape Ollama's /api/chat takes, generated from the same schemas:
 * for the main group's turns with their main-only fields, for every other group without.
 */
export function toolDefinitions(names: readonly string[], scope: 'main' | 'group') {
  return names.map((name) => DEFINITIONS[scope].get(name)!);
}
