import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { registerGroup, RegistrationError } from '../../lib/group-registration.js';
import type { registerGroup as registerGroupTool } from '../../contracts/tools/group-tools.js';
import { whenAnswered } from '../../channel/inbound.js';
import type { HostToolHandler } from './types.js';

/**
 * Registers a chat for the main group. A second call for the same chat and folder (a retried
 * step, maybe after a crash between the registration and the tasks' resumption) registers
 * nothing again, finishes what the first began, and answers as it did.
 */
export const registerGroupHandler: HostToolHandler = async (deps, invocation) => {
  // The workflow offers this tool only to main, but the host decides trust, never the model.
  if (!invocation.group.isMain) {
    throw ApplicationFailure.nonRetryable('Only the main chat may register groups.', 'NotAllowed');
  }
  const args = invocation.args as z.infer<typeof registerGroupTool.schema>;
  const existing = deps.store.groupByJid(args.chat);
  try {
    const group = existing?.folder === args.folder ? existing : registerGroup(deps.store, {
      jid: args.chat,
      folder: args.folder,
      name: args.name,
      triggerWord: args.trigger_word,
      requiresTrigger: args.requires_trigger ?? true,
    });
    // Tasks paused when the folder was unregistered follow it to its new chat.
    const resumed = await deps.tasks.resumeGroup(group.folder);
    return `Registered ${group.name} (${group.jid}) in the folder "${group.folder}"; it answers ${whenAnswered(group, deps.assistantName)}.${resumed.length ? ` Resumed its tasks ${resumed.join(', ')}.` : ''}`;
  } catch (error) {
    if (error instanceof RegistrationError) throw ApplicationFailure.nonRetryable(error.message, 'RegistrationRefused');
    throw error;
  }
};
