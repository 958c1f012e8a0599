// Every tool that exists, by name, and where it runs: on the host (the channel queue),
// inside the group's container (the sandbox queue), or in the workflow itself (delegate,
// which starts child workflows); `reply` is the answer itself (reply-tool.ts). The workflow routes the model's tool
// calls by this table alone. It is kept free of zod on purpose: a workflow's modules are
// evaluated again for every workflow a worker creates (one per turn), and the schemas'
// code there cost ~9 ms of the workflow thread per turn. The arguments are checked against
// the schemas where the tool runs (checkToolArguments, in the activity).
export type ToolPlace = 'host' | 'sandbox' | 'workflow' | 'answer';

export const TOOL_PLACES = {
  reply: 'answer',
  send_message: 'host',
  remember: 'host',
  send_file: 'host',
  schedule_task: 'host',
  list_tasks: 'host',
  pause_task: 'host',
  resume_task: 'host',
  update_task: 'host',
  cancel_task: 'host',
  register_group: 'host',
  read_skill: 'host',
  run_command: 'sandbox',
  read_file: 'sandbox',
  write_file: 'sandbox',
  list_files: 'sandbox',
  delegate: 'workflow',
} as const satisfies Record<string, ToolPlace>;

export type ToolName = keyof typeof TOOL_PLACES;

/** Where an offered tool runs; undefined for a name the turn was not offered (or no tool has). */
export function offeredPlace(name: string, offered: readonly string[]): ToolPlace | undefined {
  // hasOwn: the model may name "constructor" or "__proto__".
  if (!offered.includes(name) || !Object.hasOwn(TOOL_PLACES, name)) return undefined;
  return TOOL_PLACES[name as ToolName];
}

/** What the model reads when it calls a tool it was not offered. */
export function unknownToolError(name: string, offered: readonly string[]): string {
  return `Error: there is no tool named "${name}". The tools you can call are: ${offered.join(', ')}.`;
}
