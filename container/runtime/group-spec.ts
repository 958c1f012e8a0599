// What a group's container is: its name and labels, its limits (defaults from the config,
// overridable per group), and its mounts. Shared by every runtime so they all enforce the
// same boundary.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../../lib/config.js';
import type { Mount } from '../ipc/schema.js';
import { SandboxSettingsError, type SandboxGroup } from './types.js';

/** The uid:gid the runner runs as; rw folders must be owned by it. */
export const SANDBOX_UID = 1000;

export const LABELS = {
  install: 'babybot.install',
  group: 'babybot.group',
  /** Hash of everything the container was created with: a change (limits, image) replaces it. */
  spec: 'babybot.spec',
} as const;

/** A group's `sandbox` column: limits it may set for itself (the owner sets them, not the model). */
export const GroupSandboxSettings = z
  .object({
    memoryMb: z.number().int().min(32).max(1_048_576),
    cpus: z.number().positive().max(256),
    pids: z.number().int().min(16).max(1_000_000),
    tmpfsMb: z.number().int().min(1).max(1_048_576),
  })
  .partial()
  .strict();
export type Limits = Required<z.infer<typeof GroupSandboxSettings>>;

export interface SandboxSettings {
  image: string;
  /** Tells this installation's containers from another's on the same engine (a hash of DATA_DIR). */
  install: string;
  dataDir: string;
  groupsDir: string;
  /** Mounted read-only into the main group's container. */
  projectDir: string;
  skillsDir: string;
  limits: Limits;
  idleTimeoutMs: number;
}

export function sandboxSettings(config: Config): SandboxSettings {
  return {
    image: config.SANDBOX_IMAGE,
    install: crypto.createHash('sha256').update(config.dataDir).digest('hex').slice(0, 8),
    dataDir: config.dataDir,
    groupsDir: config.groupsDir,
    projectDir: config.projectDir,
    skillsDir: config.skillsDir,
    limits: {
      memoryMb: config.SANDBOX_MEMORY_MB,
      cpus: config.SANDBOX_CPUS,
      pids: config.SANDBOX_PIDS,
      tmpfsMb: config.SANDBOX_TMPFS_MB,
    },
    idleTimeoutMs: config.SANDBOX_IDLE_TIMEOUT,
  };
}

export function limitsFor(settings: SandboxSettings, group: SandboxGroup): Limits {
  const parsed = GroupSandboxSettings.safeParse(group.overrides ?? {});
  if (!parsed.success) {
    throw new SandboxSettingsError(
      `The sandbox settings of group "${group.folder}" are not valid (${z.prettifyError(parsed.error).replace(/\n/g, ' ')}). ` +
        'Fix the group\'s sandbox settings: allowed are memoryMb, cpus, pids, tmpfsMb.',
    );
  }
  return { ...settings.limits, ...parsed.data };
}

export function containerName(settings: SandboxSettings, folder: string): string {
  return `babybot-${folder.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${settings.install}`;
}

export function ipcDir(settings: SandboxSettings, folder: string): string {
  return path.join(settings.dataDir, 'ipc', folder);
}

/**
 * The group's folders inside and outside. Main may write the global memory and read the
 * project; every other group sees only its own folder, the global one read-only and the skills.
 */
export function mountsFor(settings: SandboxSettings, group: SandboxGroup): Mount[] {
  const mounts: Mount[] = [
    { path: '/workspace/group', real: path.join(settings.groupsDir, group.folder), writable: true },
    { path: '/workspace/global', real: path.join(settings.groupsDir, 'global'), writable: group.isMain },
    { path: '/workspace/skills', real: settings.skillsDir, writable: false },
  ];
  if (group.isMain) mounts.push({ path: '/workspace/project', real: settings.projectDir, writable: false });
  return mounts;
}

/** Creates the host folders a container mounts, writable ones owned by the sandbox's uid. */
export function prepareHostFolders(settings: SandboxSettings, group: SandboxGroup): void {
  for (const mount of mountsFor(settings, group)) {
    fs.mkdirSync(mount.real, { recursive: true });
    if (mount.writable) ownBySandbox(mount.real);
  }
  const ipc = ipcDir(settings, group.folder);
  for (const sub of ['', 'requests', 'responses', 'errors']) {
    fs.mkdirSync(path.join(ipc, sub), { recursive: true });
    ownBySandbox(path.join(ipc, sub));
  }
}

/** As root, hand the folder to uid 1000; as uid 1000 it already is; as anyone else, open it up. */
function ownBySandbox(dir: string): void {
  const uid = process.getuid?.();
  if (uid === 0) fs.chownSync(dir, SANDBOX_UID, SANDBOX_UID);
  else if (uid !== undefined && uid !== SANDBOX_UID) fs.chmodSync(dir, 0o777);
}

/** Hash of what the container is made from, stored as a label and compared when it is found again. */
export function specHash(parts: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
