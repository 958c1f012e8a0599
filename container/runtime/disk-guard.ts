// What a group's writable folders may hold: GROUP_DISK_LIMIT bytes and GROUP_INODE_LIMIT
// entries (files, folders, links: many tiny files exhaust inodes long before bytes). Checked
// around every sandbox step, by one rule for every runtime that has a container:
//   - after a step: over either limit fails the step, telling the model what to delete;
//   - before a step: while over, only run_command runs (it is how the model deletes), and
//     only as long as each such step leaves the folders no bigger (and, past the inode
//     limit, where the walk stops counting, under it): a step that grows them while over locks the group's steps until the folders are under the limits again (the
//     owner deletes on the host, or raises the limit); every refusal says so.
// So a hostile group can add at most one step's worth of writes past the limit, not one per
// step for ever. The walk is asynchronous and stops after the inode limit, so it costs
// bounded time and never holds up the event loop; a step whose folders were under the
// limits last time is not walked again before it (nothing of the group runs between steps).
import { diskUsage, type DiskUsage } from '../../lib/safe-fs.js';
import type { SandboxRequest } from '../ipc/schema.js';
import { mountsFor, type SandboxSettings } from './group-spec.js';
import { GroupDiskLimitError, type SandboxGroup } from './types.js';

interface GroupDisk {
  /** The last measurement, after the group's last step (undefined before the first). */
  last?: DiskUsage[];
  /** A step made the folders bigger while they were over: nothing runs until they are under. */
  locked: boolean;
}

export class DiskGuard {
  private readonly groups = new Map<string, GroupDisk>();

  constructor(private readonly settings: SandboxSettings) {}

  /** Throws GroupDiskLimitError when the group may not run this step; returns the usage it starts from. */
  async beforeStep(group: SandboxGroup, request: SandboxRequest): Promise<DiskUsage[]> {
    const state = this.stateOf(group.folder);
    // Under last time: unchanged since (no step ran). Over, or never measured: measure now,
    // so files the owner deleted on the host count at once.
    const usage = state.last && !state.last.some((u) => this.overBy(u)) ? state.last : await this.measure(group);
    state.last = usage;
    const over = this.firstOver(group, usage);
    if (!over) {
      state.locked = false;
      return usage;
    }
    if (state.locked) {
      throw new GroupDiskLimitError(
        `${over} A step made it bigger while it was over the limit, so no step of this group runs until it is under again: ` +
          'ask the owner to delete files in the group\'s folder on the host, or to raise the limit. Tell the chat.',
      );
    }
    if (request.type !== 'run_command') {
      throw new GroupDiskLimitError(`${over} Only run_command runs until it is under: delete files you do not need with it first.`);
    }
    return usage;
  }

  /** After a step: throws GroupDiskLimitError when the folders are over a limit (and locks them when the step grew them). */
  async afterStep(group: SandboxGroup, before: DiskUsage[]): Promise<void> {
    const state = this.stateOf(group.folder);
    const usage = await this.measure(group);
    state.last = usage;
    const over = this.firstOver(group, usage);
    if (!over) {
      state.locked = false;
      return;
    }
    const wasOver = before.some((u) => this.overBy(u));
    // A walk cut at the inode limit cannot show growth: still past it counts as not freed.
    const grew = usage.some((u, i) => u.stopped || u.bytes > (before[i]?.bytes ?? 0) || u.entries > (before[i]?.entries ?? 0));
    if (wasOver && grew) state.locked = true;
    throw new GroupDiskLimitError(
      `After this step ${over}` +
        (state.locked
          ? ' It grew while over the limit, so no further step of this group runs until the owner frees space or raises the limit. Tell the chat.'
          : ' Delete files you do not need (e.g. with run_command), then go on; until then only run_command runs.'),
    );
  }

  private stateOf(folder: string): GroupDisk {
    let state = this.groups.get(folder);
    if (!state) this.groups.set(folder, (state = { locked: false }));
    return state;
  }

  /** One measurement per writable mount, in mountsFor's order; the walk stops just past the inode limit. */
  private async measure(group: SandboxGroup): Promise<DiskUsage[]> {
    const writable = mountsFor(this.settings, group).filter((m) => m.writable);
    return Promise.all(writable.map((m) => diskUsage(m.real, this.settings.inodeLimit + 1)));
  }

  private overBy(usage: DiskUsage): boolean {
    return usage.stopped || usage.entries > this.settings.inodeLimit || usage.bytes > this.settings.diskLimitBytes;
  }

  /** The first limit crossed, in words, or undefined when every writable folder is under both. */
  private firstOver(group: SandboxGroup, usage: DiskUsage[]): string | undefined {
    const writable = mountsFor(this.settings, group).filter((m) => m.writable);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    for (const [i, u] of usage.entries()) {
      const where = writable[i]?.path ?? 'the group folder';
      if (u.stopped || u.entries > this.settings.inodeLimit) {
        return `${where} holds more than ${this.settings.inodeLimit} files and folders, over the group's limit (GROUP_INODE_LIMIT).`;
      }
      if (u.bytes > this.settings.diskLimitBytes) {
        return `${where} uses ${mb(u.bytes)}, over the group's limit of ${mb(this.settings.diskLimitBytes)} (GROUP_DISK_LIMIT).`;
      }
    }
    return undefined;
  }
}
