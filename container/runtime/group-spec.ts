// What a group's container is: its name and labels, its limits (defaults from the config,
// overridable per group), and its mounts. Shared by every runtime so they all enforce the
// same boundary.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../../lib/config.js';
import { ensureRealFolder, ownFolder } from '../../lib/safe-fs.js';
import type { Mount } from '../ipc/schema.js';
import { SandboxSettingsError, type SandboxGroup } from './types.js';

/**
 * The uid:gid the model's commands (and the file tools) run as; a group's rw folders are
 * owned by it. The runner itself runs as the container's root with a handful of
 * capabilities (RUNNER_CAPS), so a command can neither write the IPC folders nor signal,
 * trace or read the runner.
 *
 * It is no account of the host (checked before a container starts): what a command leaves
 * in its folder, a setuid program among it, is owned by nobody who could log in, and no
 * process of the host but the sandbox's own runs as it. It lies above the ranges systems
 * hand out (regular users from 1000, subordinate ids for rootless containers from 100000,
 * systemd-nspawn's up to 1879048191) and below 2^31, which some tools treat as negative.
 */
export const SANDBOX_UID = 2_000_000_000;

/** The uid older BabyBots ran commands as (the first real user on most machines); see prepareHostFolders. */
const LEGACY_SANDBOX_UID = 1000;

/**
 * The uid the commands really run as: SANDBOX_UID, unless BabyBot itself runs as that uid
 * (its docker-compose image does), then the next one, so the model's commands never share
 * a uid with BabyBot, which owns the IPC folders.
 */
export function commandUid(): number {
  return process.getuid?.() === SANDBOX_UID ? SANDBOX_UID + 1 : SANDBOX_UID;
}

/**
 * What the runner keeps: switching to SANDBOX_UID for each command and file tool (SETUID,
 * SETGID), emptying the command's bounding set (SETPCAP) and ending a command's processes
 * (KILL). The commands themselves end with no capability at all.
 */
export const RUNNER_CAPS = ['SETUID', 'SETGID', 'SETPCAP', 'KILL'] as const;

export const LABELS = {
  install: 'babybot.install',
  group: 'babybot.group',
  /** Hash of everything the container was created with: a change (limits, image) replaces it. */
  spec: 'babybot.spec',
  /** On the image: the runner's privilege model; an image without it runs commands as the runner's uid. */
  runner: 'babybot.runner',
} as const;

/** The runner separates itself (container root, RUNNER_CAPS) from the model's commands (SANDBOX_UID). */
export const RUNNER_PROTOCOL = 'separated-uid-1';

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
  /** GROUP_DISK_LIMIT and GROUP_INODE_LIMIT: what a group's writable folders may hold (see disk-guard.ts). */
  diskLimitBytes: number;
  inodeLimit: number;
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
    diskLimitBytes: config.GROUP_DISK_LIMIT,
    inodeLimit: config.GROUP_INODE_LIMIT,
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
 * project (minus what it must never see, see projectMounts); every other group sees only
 * its own folder, the global one read-only and the skills.
 */
export function mountsFor(settings: SandboxSettings, group: SandboxGroup): Mount[] {
  const mounts: Mount[] = [
    { path: '/workspace/group', real: path.join(settings.groupsDir, group.folder), writable: true },
    { path: '/workspace/global', real: path.join(settings.groupsDir, 'global'), writable: group.isMain },
    { path: '/workspace/skills', real: settings.skillsDir, writable: false },
  ];
  if (group.isMain) mounts.push(...projectMounts(settings));
  return mounts;
}

/** The runner's table: every mount at its inside path, plus /workspace/project itself for main (the folder its entries are mounted in). */
export function runnerMounts(mounts: readonly Mount[], group: SandboxGroup): Mount[] {
  const inside = mounts.map((m) => ({ ...m, real: m.path }));
  if (group.isMain) inside.push({ path: PROJECT_INSIDE, real: PROJECT_INSIDE, writable: false });
  return inside;
}

const PROJECT_INSIDE = '/workspace/project';

/** Names in the project main's sandbox never sees: secrets, credentials and caches (the Docker socket lives in .cache). */
const HIDDEN_NAMES = /^(\.env(\..*)?|\.cache|\.ssh|\.gnupg|\.aws|\.docker|\.npmrc|\.netrc|\.git-credentials|\.pgpass)$/;
const MAX_PROJECT_DEPTH = 4;

/**
 * The project, read-only, entry by entry rather than as one bind: what main's sandbox must
 * never see is simply not there. Hidden are BabyBot's own data (DATA_DIR: the store with the
 * chats and the WhatsApp keys, Temporal's database, the IPC folders), the groups (strangers'
 * folders), secrets and caches (HIDDEN_NAMES), and anything that is not a plain file or
 * folder: sockets, FIFOs, devices, and symlinks (a bind would follow one on the host). A
 * folder that holds a hidden path deeper down is opened up, entry by entry, in the same way.
 */
export function projectMounts(settings: SandboxSettings): Mount[] {
  const project = realOrResolved(settings.projectDir);
  const hidden = [settings.dataDir, settings.groupsDir].map(realOrResolved);
  for (const secret of hidden) {
    if (project === secret || project.startsWith(`${secret}${path.sep}`)) {
      throw new SandboxSettingsError(
        `PROJECT_DIR (${settings.projectDir}) lies inside ${secret}, which the main group's sandbox must never see. ` +
          'Point PROJECT_DIR at the project folder itself.',
      );
    }
  }
  const mounts: Mount[] = [];
  const visit = (hostDir: string, insideDir: string, depth: number) => {
    const entries = fs.readdirSync(hostDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (HIDDEN_NAMES.test(entry.name) || !(entry.isFile() || entry.isDirectory())) continue;
      const host = path.join(hostDir, entry.name);
      const inside = path.posix.join(insideDir, entry.name);
      if (hidden.includes(host)) continue;
      if (entry.isDirectory() && hidden.some((h) => h.startsWith(`${host}${path.sep}`))) {
        if (depth < MAX_PROJECT_DEPTH) visit(host, inside, depth + 1);
        continue;
      }
      mounts.push({ path: inside, real: host, writable: false });
    }
  };
  if (fs.existsSync(project)) visit(project, PROJECT_INSIDE, 1);
  return mounts;
}

function realOrResolved(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * Creates the host folders a container mounts, writable ones owned by the sandbox's uid, and
 * the IPC folders owned by the host. Never follows a link: one planted where an IPC folder
 * should be (by a container of an older BabyBot, which owned the IPC root) is removed and a
 * real folder made; nothing is chowned, chmodded or cleared through it. Returns what was
 * replaced, for the log.
 */
export function prepareHostFolders(settings: SandboxSettings, group: SandboxGroup): string[] {
  assertNoAccount(commandUid());
  const replaced: string[] = [];
  for (const mount of mountsFor(settings, group)) {
    // A read-only one (the global memory of a group that is not main) must stay readable by
    // the commands' uid; GROUPS_DIR around it is closed to other accounts.
    if (!fs.existsSync(mount.real)) fs.mkdirSync(mount.real, { recursive: true, mode: mount.writable ? 0o700 : 0o755 });
    if (mount.writable) ownBySandbox(mount.real);
  }
  const ipc = ipcDir(settings, group.folder);
  fs.mkdirSync(path.dirname(ipc), { recursive: true, mode: 0o755 });
  const host = hostOwner();
  for (const [sub, mode] of [['', 0o755], ['requests', 0o700], ['responses', 0o700], ['errors', 0o700]] as const) {
    const dir = path.join(ipc, sub);
    const was = ensureRealFolder(dir, mode);
    if (was) replaced.push(`${dir} was ${was}`);
    ownFolder(dir, host, mode);
  }
  return replaced;
}

/** As root: the IPC folders are root's (taking back ones an older BabyBot gave to the commands' uid). Otherwise they are ours already. */
function hostOwner(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 0, gid: 0 } : undefined;
}

/**
 * As root, hand the folder to the commands' uid, which alone may read and write it; others
 * may only pass through (0711), as the runner must to start a command there (the container's
 * root, without DAC_OVERRIDE). As anyone else, who cannot chown, open it up. Either way
 * GROUPS_DIR around it is closed to other accounts (lib/private-folder.ts).
 */
function ownBySandbox(dir: string): void {
  const uid = process.getuid?.();
  if (uid === 0) {
    const owner = { uid: commandUid(), gid: commandUid() };
    if (fs.lstatSync(dir).uid === LEGACY_SANDBOX_UID) takeOver(dir, owner);
    ownFolder(dir, owner, 0o711);
  } else if (uid !== undefined) ownFolder(dir, undefined, 0o777);
}

/** Walked at most this far: a folder an older BabyBot's commands filled beyond it keeps the rest. */
const MAX_TAKEOVER_ENTRIES = 200_000;

/**
 * Gives what an older BabyBot's commands made (owned by uid 1000, a real account on most
 * machines) to the sandbox's uid, so the group keeps its files. Run before the group's new
 * container starts (nothing of it runs); lchown never follows a link, and a chown clears
 * setuid and setgid bits, so a setuid program left for uid 1000 loses them.
 */
function takeOver(dir: string, owner: { uid: number; gid: number }): void {
  const pending = [dir];
  let entries = 0;
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const name of fs.readdirSync(current)) {
      if (++entries > MAX_TAKEOVER_ENTRIES) return;
      const full = path.join(current, name);
      const stat = fs.lstatSync(full, { throwIfNoEntry: false });
      if (stat?.uid !== LEGACY_SANDBOX_UID) continue;
      fs.lchownSync(full, owner.uid, owner.gid);
      if (stat.isDirectory()) pending.push(full);
    }
  }
}

/** The commands' uid must be no account of this host: refuse to start a sandbox otherwise. */
export function assertNoAccount(uid: number): void {
  for (const file of ['/etc/passwd', '/etc/group']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // no such file (not Linux): nothing to collide with
    }
    const entry = text.split('\n').find((line) => line.split(':')[2] === String(uid));
    if (entry) {
      throw new SandboxSettingsError(
        `The sandbox runs commands as uid/gid ${uid}, but ${file} has an account with it (${JSON.stringify(entry.split(':')[0])}): ` +
          "a group's files would belong to that account. Remove or renumber that account.",
      );
    }
  }
}

/** Hash of what the container is made from, stored as a label and compared when it is found again. */
export function specHash(parts: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
