import type { Logger } from '../../lib/logger.js';
import type { TaskService } from '../../tasks/task-service.js';
import type { ToolInvocation } from '../../contracts/types.js';
import type { DeliveryDeps } from '../delivery.js';

export interface HostToolDeps extends DeliveryDeps {
  groupsDir: string;
  skillsDir: string;
  log: Logger;
  /** MEDIA_MAX_BYTES: the largest file send_file sends (16 MiB when unset). */
  mediaMaxBytes?: number;
  /** Recurring tasks (Temporal Schedules), for the task tools. */
  tasks: TaskService;
}

/** A host tool: runs on the channel queue with the store at hand; returns what the model reads. */
export type HostToolHandler = (deps: HostToolDeps, invocation: ToolInvocation) => Promise<string>;
