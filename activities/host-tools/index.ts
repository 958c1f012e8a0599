import { readSkillHandler } from './read-skill.js';
import { registerGroupHandler } from './register-group.js';
import { rememberHandler } from './remember.js';
import { sendFileHandler } from '../media/send-file.js';
import { sendMessageHandler } from './send-message.js';
import { TASK_TOOL_HANDLERS } from './tasks.js';
import type { HostToolHandler } from './types.js';

export type { HostToolDeps, HostToolHandler } from './types.js';

/** The handlers of the host tools, by tool name. Each capability adds its own. */
export const HOST_TOOL_HANDLERS: Record<string, HostToolHandler> = {
  send_message: sendMessageHandler,
  send_file: sendFileHandler,
  remember: rememberHandler,
  register_group: registerGroupHandler,
  read_skill: readSkillHandler,
  ...TASK_TOOL_HANDLERS,
};
