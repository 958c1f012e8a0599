// Host-side reads and writes of paths a container can write (a group's folder, its IPC
// folders). Everything there is attacker data: a file may have been swapped for a symlink
// (to the host's environment, another group's memory, a shell rc file), a FIFO (a read
// that never returns), or something huge. So every access here never follows a link
// (lstat, then O_NOFOLLOW), accepts regular files only (checked on the open descriptor),
// stays inside its root (the parent resolved through the real file system), is size-capped,
// and never blocks (O_NONBLOCK: a FIFO opens at once and is refused).
import fs from 'node:fs';
import path from 'node:path';

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/** A path that is not what the host expects there (a link, a FIFO, outside its root, too big). */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

function kindOf(stat: fs.Stats): string {
  if (stat.isSymbolicLink()) return 'a symlink';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The file's folder, resolved through the real file system, is root or inside it. */
function assertInside(root: string, file: string): void {
  const realRoot = fs.realpathSync(root);
  const parent = fs.realpathSync(path.dirname(file));
  if (parent !== realRoot && !parent.startsWith(`${realRoot}${path.sep}`)) {
    throw new UnsafePathError(`${file} leads outside ${root} (through a symlink); it was not touched.`);
  }
}

/** Opens without following a link or blocking; the descriptor is checked to be a regular file. */
function openRegular(file: string, flags: number, mode?: number): { fd: number; stat: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UnsafePathError(`${file} is a symlink; it was not followed.`);
    // A FIFO opened for writing with no reader: refused rather than waited on.
    if (code === 'ENXIO') throw new UnsafePathError(`${file} is a FIFO (named pipe); it was not opened.`);
    throw error;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new UnsafePathError(`${file} is ${kindOf(stat)}, not a regular file; it was not read.`);
  }
  return { fd, stat };
}

/** lstat that says "missing" with undefined. */
function lstatOrMissing(file: string): fs.Stats | undefined {
  return fs.lstatSync(file, { throwIfNoEntry: false });
}

/**
 * Reads a regular file under root of at most maxBytes; undefined when it does not exist.
 * Throws UnsafePathError for a link, a FIFO, anything else, a path leading outside, or a bigger file.
 */
export function readContained(root: string, file: string, maxBytes: number): string | undefined {
  const before = lstatOrMissing(file);
  if (!before) return undefined;
  if (!before.isFile()) throw new UnsafePathError(`${file} is ${kindOf(before)}, not a regular file; it was not read.`);
  assertInside(root, file);
  const { fd, stat } = openRegular(file, O_RDONLY);
  try {
    if (stat.size > maxBytes) {
      throw new UnsafePathError(`${file} is ${stat.size} bytes, over the limit of ${maxBytes}; it was not read.`);
    }
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Appends text to a regular file under root (created 0644 if missing), never through a link or a hard link. */
export function appendContained(root: string, file: string, text: string, maxBytes: number): void {
  const before = lstatOrMissing(file);
  if (before && !before.isFile()) throw new UnsafePathError(`${file} is ${kindOf(before)}, not a regular file; nothing was written.`);
  assertInside(root, file);
  const { fd, stat } = openRegular(file, O_WRONLY | O_APPEND | O_CREAT, 0o644);
  try {
    // A hard link would let a write land in a file that also lives elsewhere.
    if (stat.nlink > 1) throw new UnsafePathError(`${file} has ${stat.nlink} hard links; nothing was written.`);
    if (stat.size + Buffer.byteLength(text) > maxBytes) {
      throw new UnsafePathError(`${file} would grow over ${maxBytes} bytes; nothing was written.`);
    }
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates a new file (never an existing one, never through a link) with the given content. */
export function writeNewFile(file: string, content: string, mode = 0o600): void {
  const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, mode);
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/** Throws unless dir is a real folder (not a link to one, not a file). */
export function assertRealFolder(dir: string): void {
  const stat = lstatOrMissing(dir);
  if (!stat) throw new UnsafePathError(`${dir} does not exist.`);
  if (!stat.isDirectory()) throw new UnsafePathError(`${dir} is ${kindOf(stat)}, not a real folder; it was not used.`);
}

/**
 * Makes dir a real folder: a link (or file) planted in its place is removed, never followed,
 * and a new folder is made. Returns what was replaced, for the log.
 */
export function ensureRealFolder(dir: string, mode: number): string | undefined {
  const stat = lstatOrMissing(dir);
  let replaced: string | undefined;
  if (stat && !stat.isDirectory()) {
    replaced = kindOf(stat);
    fs.rmSync(dir, { force: true });
  }
  if (!stat || replaced) fs.mkdirSync(dir, { mode });
  return replaced;
}

/** chown/chmod of a real folder only: lstat first, and lchown so a swapped-in link is never followed. */
export function ownFolder(dir: string, owner: { uid: number; gid: number } | undefined, mode: number): void {
  assertRealFolder(dir);
  if (owner) fs.lchownSync(dir, owner.uid, owner.gid);
  // chmod has no "l" form on Linux; the folder was just checked to be real, and its parent is the host's.
  fs.chmodSync(dir, mode);
}

export interface DiskUsage {
  bytes: number;
  /** Files, folders, links and anything else: each holds an inode. */
  entries: number;
  /** The walk stopped at maxEntries: bytes and entries are lower bounds. */
  stopped: boolean;
}

/** lstat calls in flight at once: enough to keep libuv's thread pool busy, few enough to leave it to others too. */
const WALK_BATCH = 32;

/**
 * Bytes (allocated blocks) and entries under dir, walked with lstat only (links are counted,
 * never followed), asynchronously: a folder of a hundred thousand tiny files never holds up
 * the event loop, and the walk stops after maxEntries, so its cost is bounded too.
 */
export async function diskUsage(dir: string, maxEntries: number): Promise<DiskUsage> {
  const usage: DiskUsage = { bytes: 0, entries: 0, stopped: false };
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let names: string[];
    try {
      names = await fs.promises.readdir(current);
    } catch {
      continue; // removed meanwhile, or not readable
    }
    for (let i = 0; i < names.length; i += WALK_BATCH) {
      const batch = names.slice(i, i + WALK_BATCH);
      if (usage.entries + batch.length > maxEntries) {
        usage.entries = maxEntries;
        usage.stopped = true;
        return usage;
      }
      usage.entries += batch.length;
      const stats = await Promise.all(batch.map((name) => fs.promises.lstat(path.join(current, name)).catch(() => undefined)));
      stats.forEach((stat, k) => {
        if (!stat) return;
        usage.bytes += stat.blocks * 512;
        if (stat.isDirectory()) pending.push(path.join(current, batch[k]));
      });
    }
  }
  return usage;
}
