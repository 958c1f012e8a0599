// Recurring tasks, each one a Temporal Schedule `task:<folder>:<id>`: the one service
// behind the agent's task tools and `babybot tasks`. Temporal keeps the schedule, fires it,
// never runs two at once (overlap SKIP) and shows it on the Web UI's Schedules page, so
// BabyBot keeps no task table of its own. Who may touch which task is checked here.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { Config } from '../lib/config.js';
import type { Group } from '../lib/store/store.js';
import { taskQueues } from '../contracts/task-queue-names.js';
import { taskScheduleId } from '../contracts/ids.js';
import { SCHEDULED_TASK_WORKFLOW, type ScheduledTaskInput, type ScheduledTaskWorkflow } from '../contracts/types.js';
import { formatDuration } from '../lib/duration.js';
import { cronShortestGapMs } from './cron.js';
import { babybotAttributes, GROUP, KIND } from '../contracts/search-attributes.js';
import {
  catchupWindowMs,
  describeWhen,
  formatInZone,
  remainingActionsOf,
  resolveWhen,
  scheduleSpecOf,
  taskInvalid,
  WhenInputSchema,
  type TaskWhen,
} from './task-when.js';

export interface TaskServiceDeps {
  client: Client;
  /** The registered groups (the store). */
  groupByFolder: (folder: string) => Group | undefined;
  /** The workflows task queue the scheduled runs start on. */
  taskQueue: string;
  /** Crons and one-shot times without a zone of their own are read in this one. */
  timeZone: string;
  now?: () => Date;
  /** For groups other than main (main and the command line have none): see TaskLimits. */
  limits?: TaskLimits;
}

/** A group of strangers must not flood Temporal or its own chat: a quota and an interval floor. */
export interface TaskLimits {
  perGroup: number;
  minIntervalMs: number;
}

/** Who asks: a group's turn (its own tasks; the main group any group's), or the owner at the command line. */
export interface TaskActor {
  /** The asking group's folder; undefined for the command line. */
  folder?: string;
  isMain: boolean;
  /** Kept in the task's memo as its creator. */
  label: string;
}

export const CreateTaskSchema = z.object({
  group: z.string().trim().min(1).optional(),
  prompt: z.string().trim().min(1, 'the prompt is empty').max(8_000),
  isolated: z.boolean().default(false),
  when: WhenInputSchema,
});
export type CreateTaskInput = z.input<typeof CreateTaskSchema>;

export const UpdateTaskSchema = z.object({
  prompt: z.string().trim().min(1, 'the prompt is empty').max(8_000).optional(),
  isolated: z.boolean().optional(),
  /** Replaces the schedule when given. */
  when: WhenInputSchema.optional(),
});
export type UpdateTaskInput = z.input<typeof UpdateTaskSchema>;

/** What a task is, kept in the schedule action's memo (it shows on every run in the Web UI, and can be updated). */
const TaskMemoSchema = z.object({
  prompt: z.string(),
  createdBy: z.string(),
  context: z.enum(['group', 'isolated']),
  when: z.custom<TaskWhen>((value) => typeof value === 'object' && value !== null && 'kind' in value),
});
type TaskMemo = z.infer<typeof TaskMemoSchema>;

/** What the host's note tells a turn's model of a task (turn-context.ts). */
export interface TaskBrief {
  id: string;
  prompt: string;
  /** The schedule in words. */
  schedule: string;
  paused: boolean;
}

export interface TaskInfo {
  id: string;
  group: string;
  prompt: string;
  isolated: boolean;
  createdBy: string;
  when: TaskWhen;
  /** The schedule in words: "every weekday at 09:00 (Europe/Paris)". */
  schedule: string;
  nextRun?: Date;
  paused: boolean;
  /** "completed at …", "failed at … (run id)", or undefined before the first run. */
  lastResult?: string;
}

const TASK_ID = /^task:([^:\s]+):([\w-]+)$/;
const SHORT_ID = /^[\w-]+$/;

/** The note on a task paused because its group was unregistered: registering the folder again resumes it. */
export const GROUP_REMOVED_NOTE = 'paused: its group was unregistered (registering the folder again resumes it)';

export class TaskService {
  /** The service as every BabyBot process builds it: the configured queue, zone and limits. */
  static forConfig(client: Client, config: Config, groupByFolder: (folder: string) => Group | undefined): TaskService {
    return new TaskService({
      client,
      groupByFolder,
      taskQueue: taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX).workflows,
      timeZone: config.timeZone,
      limits: { perGroup: config.TASKS_PER_GROUP, minIntervalMs: config.TASK_MIN_INTERVAL },
    });
  }

  constructor(private readonly deps: TaskServiceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async create(actor: TaskActor, raw: CreateTaskInput, shortId: string): Promise<TaskInfo> {
    const input = parse(CreateTaskSchema, raw);
    const group = this.targetGroup(actor, input.group);
    const when = resolveWhen(input.when, this.deps.timeZone, this.now());
    const id = taskScheduleId(group.folder, shortId);
    await this.checkLimits(actor, group.folder, when, id);
    const memo: TaskMemo = { prompt: input.prompt, createdBy: actor.label, context: input.isolated ? 'isolated' : 'group', when };
    try {
      await this.deps.client.schedule.create({
        scheduleId: id,
        spec: scheduleSpecOf(when),
        action: this.action(id, group, memo),
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: catchupWindowMs(when) },
        state: { remainingActions: remainingActionsOf(when), note: `created by ${actor.label}` },
        memo: { createdBy: actor.label, createdAt: this.now().toISOString() },
        typedSearchAttributes: babybotAttributes({ group: group.folder, kind: 'task' }),
      });
    } catch (error) {
      // The same id again is the same request retried (an activity after a crash): it is created already.
      if (!(error instanceof ScheduleAlreadyRunning)) throw translateServerError(error);
    }
    return this.describe(actor, id);
  }

  async list(actor: TaskActor, folder?: string): Promise<TaskInfo[]> {
    // A group that is not main sees its own tasks, whatever it names.
    const only = actor.isMain ? folder : this.targetGroup(actor, folder).folder;
    // A Set: the listing comes from visibility, which named a schedule twice just after it
    // was created (seen with the dev server); a task is one line however often it is listed.
    const ids = new Set<string>();
    for await (const summary of this.deps.client.schedule.list()) {
      const match = TASK_ID.exec(summary.scheduleId);
      if (match && (only === undefined || match[1] === only)) ids.add(summary.scheduleId);
    }
    const tasks = await Promise.all([...ids].sort().map((id) => this.read(id).catch(() => undefined)));
    return tasks.filter((task): task is TaskInfo => task !== undefined);
  }

  async describe(actor: TaskActor, idText: string): Promise<TaskInfo> {
    return this.read(this.taskId(actor, idText));
  }

  async pause(actor: TaskActor, idText: string): Promise<TaskInfo> {
    const { handle } = await this.existing(actor, idText);
    await handle.pause(`paused by ${actor.label}`);
    return this.read(handle.scheduleId);
  }

  async resume(actor: TaskActor, idText: string): Promise<TaskInfo> {
    const { handle, memo, folder } = await this.existing(actor, idText);
    // A one-shot whose time passed while paused runs as soon as it is resumed: now must keep the floor.
    const { when } = memo;
    if (when.kind === 'once' && new Date(when.at) <= this.now()) await this.checkFiring(actor, folder, this.now(), 'Resuming it', undefined, handle.scheduleId);
    await handle.unpause(`resumed by ${actor.label}`);
    return this.read(handle.scheduleId);
  }

  /** Runs the task now, outside its schedule (still never beside a running one: overlap SKIP). */
  async trigger(actor: TaskActor, idText: string): Promise<TaskInfo> {
    const { handle } = await this.existing(actor, idText);
    await handle.trigger(ScheduleOverlapPolicy.SKIP);
    return this.read(handle.scheduleId);
  }

  async remove(actor: TaskActor, idText: string): Promise<string> {
    const { handle } = await this.existing(actor, idText);
    await handle.delete();
    return handle.scheduleId;
  }

  async update(actor: TaskActor, idText: string, raw: UpdateTaskInput): Promise<TaskInfo> {
    const changes = parse(UpdateTaskSchema, raw);
    const { handle, memo, folder } = await this.existing(actor, idText);
    const group = this.targetGroup({ ...actor, isMain: true }, folder);
    // A new schedule without a zone of its own keeps the task's zone, not the default one.
    const zone = memo.when.kind === 'every' ? this.deps.timeZone : memo.when.timeZone;
    const when = changes.when ? resolveWhen(changes.when, zone, this.now()) : memo.when;
    if (changes.when) this.checkInterval(actor, when);
    if (changes.when && when.kind === 'once') await this.checkFiring(actor, folder, new Date(when.at), 'That one-shot', undefined, handle.scheduleId);
    const isolated = changes.isolated ?? memo.context === 'isolated';
    const next: TaskMemo = { ...memo, prompt: changes.prompt ?? memo.prompt, context: isolated ? 'isolated' : 'group', when };
    try {
      await handle.update((previous) => ({
        spec: scheduleSpecOf(when),
        action: this.action(handle.scheduleId, group, next),
        policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: catchupWindowMs(when) },
        state: {
          paused: previous.state.paused,
          note: `updated by ${actor.label}`,
          remainingActions: changes.when ? remainingActionsOf(when) : previous.state.remainingActions,
        },
        typedSearchAttributes: previous.typedSearchAttributes,
      }));
    } catch (error) {
      throw translateServerError(error);
    }
    return this.read(handle.scheduleId);
  }

  /** Pauses a task whose group is not registered any more (its run found out): it posts nowhere. */
  async pauseUnregistered(id: string): Promise<void> {
    try {
      await this.deps.client.schedule.getHandle(id).pause(GROUP_REMOVED_NOTE);
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }

  /** Pauses every task of a group that is being unregistered; returns their ids. */
  async pauseGroup(folder: string): Promise<string[]> {
    const paused: string[] = [];
    for (const id of await this.idsOf(folder)) {
      const handle = this.deps.client.schedule.getHandle(id);
      if ((await handle.describe()).state.paused) continue;
      await handle.pause(GROUP_REMOVED_NOTE);
      paused.push(id);
    }
    return paused;
  }

  /** Resumes the tasks paused because their group was unregistered, once the folder is registered again. */
  async resumeGroup(folder: string): Promise<string[]> {
    const resumed: string[] = [];
    for (const id of await this.idsOf(folder)) {
      const handle = this.deps.client.schedule.getHandle(id);
      const { state } = await handle.describe();
      if (!state.paused || state.note !== GROUP_REMOVED_NOTE) continue;
      await handle.unpause('resumed: its group was registered again');
      resumed.push(id);
    }
    return resumed;
  }

  /**
   * The tasks a turn's model is told of in the host's note (their ids, what, when), so it can
   * pause or cancel one without guessing an id: the small models invented ids (`reminder_plants`)
   * or copied the description's example. A group sees its own, main every group's; at most
   * `max`, and `more` when there are others (list_tasks shows them). The tools that change a
   * task are offered only when there is one (each costs the model ~60–200 prompt tokens to
   * read). Asked of the Schedules' own search attributes; undefined when visibility cannot
   * answer, and then the tools are offered (the safe way round: a longer prompt, never a
   * missing tool).
   */
  async tasksInBrief(folder: string | undefined, max: number): Promise<{ tasks: TaskBrief[]; more: boolean } | undefined> {
    try {
      const ofGroup = folder === undefined ? '' : ` AND ${GROUP.name} = '${folder.replace(/'/g, '')}'`;
      const ids = new Set<string>();
      for await (const summary of this.deps.client.schedule.list({ query: `${KIND.name} = 'task'${ofGroup}`, pageSize: max + 1 })) {
        const owner = TASK_ID.exec(summary.scheduleId)?.[1];
        if (owner !== undefined && (folder === undefined || owner === folder)) ids.add(summary.scheduleId);
        if (ids.size > max) break;
      }
      const shown = [...ids].sort().slice(0, max);
      const tasks = await Promise.all(
        // One task that cannot be read (deleted meanwhile, a memo of another shape) is left out, not the others.
        shown.map(async (id) => {
          try {
            const description = await describeOrNotFound(this.deps.client.schedule.getHandle(id));
            const memo = memoOf(description);
            return { id, prompt: memo.prompt, schedule: describeWhen(memo.when), paused: description.state.paused };
          } catch {
            return undefined;
          }
        }),
      );
      return { tasks: tasks.filter((task): task is TaskBrief => task !== undefined), more: ids.size > max };
    } catch {
      return undefined;
    }
  }

  private async idsOf(folder: string): Promise<string[]> {
    const ids = new Set<string>();
    for await (const summary of this.deps.client.schedule.list()) {
      if (TASK_ID.exec(summary.scheduleId)?.[1] === folder) ids.add(summary.scheduleId);
    }
    return [...ids];
  }

  /** One line per task, for the model and the command line alike; times on the task's own clock. */
  format(task: TaskInfo): string {
    const zone = task.when.kind === 'every' ? this.deps.timeZone : task.when.timeZone;
    const next = task.paused
      ? 'paused'
      : task.nextRun
        ? `next run ${formatInZone(task.nextRun, zone)} (${zone})`
        : 'no further runs';
    return (
      `${task.id} [${task.group}] ${task.schedule}; ${next}; last run: ${task.lastResult ?? 'none yet'}; ` +
      `${task.isolated ? 'isolated' : 'group context'}; prompt: ${JSON.stringify(task.prompt)}`
    );
  }

  private action(id: string, group: Group, memo: TaskMemo): ScheduleOptionsStartWorkflowAction<ScheduledTaskWorkflow> {
    // No chat: each run answers in the chat registered for the folder at that time.
    const input: ScheduledTaskInput = {
      folder: group.folder,
      task: { taskId: id, prompt: memo.prompt, isolated: memo.context === 'isolated' },
    };
    return {
      type: 'startWorkflow',
      workflowType: SCHEDULED_TASK_WORKFLOW,
      // Temporal adds the scheduled time to this id, so each run has its own.
      workflowId: id,
      taskQueue: this.deps.taskQueue,
      args: [input],
      memo,
      typedSearchAttributes: babybotAttributes({ group: group.folder, kind: 'task' }),
      staticSummary: `Task: ${memo.prompt.slice(0, 90)}`,
    };
  }

  /**
   * A group that is not main may keep at most perGroup tasks, none running more often than
   * minIntervalMs. The same request retried (its schedule exists already) is not a new task.
   */
  private async checkLimits(actor: TaskActor, folder: string, when: TaskWhen, id: string): Promise<void> {
    const limits = this.deps.limits;
    if (actor.isMain || !limits) return;
    this.checkInterval(actor, when);
    const existing = await this.list(actor, folder);
    if (existing.some((task) => task.id === id)) return;
    if (existing.length >= limits.perGroup) {
      throw taskInvalid(
        `This group has ${existing.length} scheduled tasks, the most a group other than main may have (TASKS_PER_GROUP=${limits.perGroup}). ` +
          'Cancel one first, or ask the owner to schedule it from the main chat.',
      );
    }
    if (when.kind === 'once') await this.checkFiring(actor, folder, new Date(when.at), 'That one-shot', existing);
  }

  /**
   * The interval floor for what runs once: a one-shot (new or moved) of a group that is not main must be at least minIntervalMs from every other run of the group's tasks,
   * the last one started (from Temporal's own records, so deleting a task that ran does not
   * forget it) and every one-shot still due. Otherwise a one-shot whose prompt schedules (or
   * moves itself to) the next one re-arms itself every minute. ("Run now" is the owner's only.)
   */
  private async checkFiring(actor: TaskActor, folder: string, at: Date, what: string, tasks?: TaskInfo[], except?: string): Promise<void> {
    const limits = this.deps.limits;
    if (actor.isMain || !limits) return;
    const floor = limits.minIntervalMs;
    const near = (time: Date) => Math.abs(time.getTime() - at.getTime()) < floor;
    const lastRun = await this.lastRunStart(folder, new Date(at.getTime() - floor));
    // Paused ones count too: resuming one whose time has passed runs it at once.
    const due = (tasks ?? (await this.list(actor, folder))).find(
      (task) => task.id !== except && task.when.kind === 'once' && !task.lastResult && near(new Date(task.when.at)),
    );
    const dueAt = due?.when.kind === 'once' ? due.when.at : undefined;
    const conflict = lastRun && near(lastRun) ? `a run of this group's tasks started at ${lastRun.toISOString()}` : due ? `${due.id} is due at ${dueAt}` : undefined;
    if (!conflict) return;
    throw taskInvalid(
      `${what} would run at ${at.toISOString()}, within ${formatDuration(floor)} of another task run (${conflict}). ` +
        `In a group other than main, one-shots keep the same floor as intervals (TASK_MIN_INTERVAL=${formatDuration(floor)}): ` +
        'choose a time at least that far from it.',
    );
  }

  /** When the newest run of the group's tasks since `since` started, from Temporal's visibility (undefined: none). */
  private async lastRunStart(folder: string, since: Date): Promise<Date | undefined> {
    const query = `${GROUP.name} = '${folder.replace(/'/g, '')}' AND ${KIND.name} = 'task' AND StartTime > '${since.toISOString()}'`;
    let newest: Date | undefined;
    let seen = 0;
    // Bounded: the floor itself keeps this list short; a long one already means a conflict.
    for await (const run of this.deps.client.workflow.list({ query })) {
      if (!newest || run.startTime > newest) newest = run.startTime;
      if (++seen >= 100) break;
    }
    return newest;
  }

  private checkInterval(actor: TaskActor, when: TaskWhen): void {
    const limits = this.deps.limits;
    if (actor.isMain || !limits) return;
    const gap = when.kind === 'every' ? when.everyMs : when.kind === 'cron' ? cronShortestGapMs(when.cron) : Infinity;
    if (gap < limits.minIntervalMs) {
      throw taskInvalid(
        `That would run every ${formatDuration(gap)}; in a group other than main a task may run at most every ` +
          `${formatDuration(limits.minIntervalMs)} (TASK_MIN_INTERVAL). Choose a longer interval.`,
      );
    }
  }

  /** The registered group a request is for; a group that is not main may only name itself. */
  private targetGroup(actor: TaskActor, folder: string | undefined): Group {
    const wanted = folder ?? actor.folder;
    if (!wanted) throw taskInvalid('Say which group the task is for (--group FOLDER).');
    if (!actor.isMain && wanted !== actor.folder) throw notAllowed(actor);
    const group = this.deps.groupByFolder(wanted);
    if (!group) throw taskInvalid(`There is no registered group "${wanted}". \`babybot groups list\` shows the groups.`);
    return group;
  }

  /** The full id of a task named by its full id, or by its short id within the asking group (checked: its own, unless main). */
  taskId(actor: TaskActor, text: string): string {
    const trimmed = text.trim();
    const full = TASK_ID.exec(trimmed);
    if (full) {
      if (!actor.isMain && full[1] !== actor.folder) throw notAllowed(actor);
      return trimmed;
    }
    if (actor.folder && SHORT_ID.test(trimmed)) return taskScheduleId(actor.folder, trimmed);
    throw taskInvalid(`"${text}" is not a task id. Task ids look like task:main:3f9a1c2e (list the tasks to see them).`);
  }

  private async existing(actor: TaskActor, idText: string) {
    const id = this.taskId(actor, idText);
    const handle = this.deps.client.schedule.getHandle(id);
    const description = await describeOrNotFound(handle);
    return { handle, memo: memoOf(description), folder: TASK_ID.exec(id)![1] };
  }

  private async read(id: string): Promise<TaskInfo> {
    const description = await describeOrNotFound(this.deps.client.schedule.getHandle(id));
    const memo = memoOf(description);
    return {
      id,
      group: TASK_ID.exec(id)![1],
      prompt: memo.prompt,
      isolated: memo.context === 'isolated',
      createdBy: memo.createdBy,
      when: memo.when,
      schedule: describeWhen(memo.when),
      nextRun: description.info.nextActionTimes[0],
      paused: description.state.paused,
      lastResult: await this.lastResult(description),
    };
  }

  private async lastResult(description: ScheduleDescription): Promise<string | undefined> {
    const last = description.info.recentActions.at(-1);
    if (!last) return undefined;
    const { workflowId, firstExecutionRunId } = last.action.workflow;
    try {
      const run = await this.deps.client.workflow.getHandle(workflowId, firstExecutionRunId).describe();
      return `${run.status.name.toLowerCase()}, started ${last.takenAt.toISOString()} (run ${workflowId})`;
    } catch {
      // Closed runs older than the namespace's retention are gone.
      return `started ${last.takenAt.toISOString()} (run ${workflowId}, no longer kept)`;
    }
  }
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw taskInvalid(`The task is not valid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function notAllowed(actor: TaskActor): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `This chat may see and manage only its own tasks (group "${actor.folder}"). Ask in the main chat to manage another group's tasks.`,
    'TaskNotAllowed',
  );
}

async function describeOrNotFound(handle: ScheduleHandle): Promise<ScheduleDescription> {
  try {
    return await handle.describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw ApplicationFailure.nonRetryable(
        `There is no task ${handle.scheduleId} (it may have been removed, or the id is mistyped). List the tasks to see their ids.`,
        'TaskNotFound',
      );
    }
    throw error;
  }
}

function memoOf(description: ScheduleDescription): TaskMemo {
  const parsed = TaskMemoSchema.safeParse(description.action.memo);
  if (description.action.workflowType !== SCHEDULED_TASK_WORKFLOW || !parsed.success) {
    throw taskInvalid(`${description.scheduleId} is a schedule, but not one of BabyBot's tasks.`);
  }
  return parsed.data;
}

/** Temporal refusing a schedule (a cron it cannot read, a zone it does not know) is bad input, not an outage. */
export function translateServerError(error: unknown): unknown {
  // The SDK turns the server's "Invalid schedule spec: …" into a TypeError with the server's reason;
  // other refusals arrive as a ServiceError whose gRPC cause is INVALID_ARGUMENT.
  const INVALID_ARGUMENT = 3;
  const cause = (error as { cause?: { code?: number; details?: string } }).cause;
  const reason = error instanceof TypeError ? error.message : cause?.code === INVALID_ARGUMENT ? cause.details : undefined;
  if (reason === undefined) return error;
  return taskInvalid(`Temporal refused the schedule: ${reason.trim()}. Check the cron expression and the time zone.`);
}
