// read_file, write_file, list_files: paths are confined to the folders the group's
// container mounts for it. A path is resolved as the model wrote it (relative ones from
// /workspace/group), then again through the real file system, so neither `..` nor a
// symlink can lead out of the mount it names.
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { FileContent, FileList, FileWritten, ListFilesRequest, Mount, ReadFileRequest, WriteFileRequest } from '../../ipc/schema.js';
import { openRegular, readUpTo } from './regular-file.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC } = fs.constants;

const HOME = '/workspace/group';
const LIST_LIMIT = 500;

/** A refusal the model can act on: the request was wrong, retrying it unchanged will not help. */
export class Refused extends Error {}

interface Resolved {
  shown: string;
  real: string;
  mount: Mount;
}

function resolve(mounts: readonly Mount[], requested: string, write: boolean): Resolved {
  const shown = path.posix.resolve(HOME, requested);
  const mount = mounts.find((m) => shown === m.path || shown.startsWith(`${m.path}/`));
  if (!mount) {
    throw new Refused(`${requested} is outside the folders you may use: ${mounts.map((m) => m.path).join(', ')}.`);
  }
  if (write && !mount.writable) throw new Refused(`${mount.path} is read-only here.`);
  const real = path.join(mount.real, path.posix.relative(mount.path, shown));
  // The nearest existing ancestor, resolved through symlinks, must still be in the mount.
  let existing = real;
  while (!fs.existsSync(existing) && existing !== mount.real) existing = path.dirname(existing);
  const rootReal = fs.realpathSync(mount.real);
  const target = fs.realpathSync(existing);
  if (target !== rootReal && !target.startsWith(`${rootReal}${path.sep}`)) {
    throw new Refused(`${requested} leads outside ${mount.path} (through a symlink).`);
  }
  return { shown, real, mount };
}

export function readFile(mounts: readonly Mount[], request: z.infer<typeof ReadFileRequest>): z.infer<typeof FileContent> {
  const { shown, real } = resolve(mounts, request.path, false);
  if (statOrRefuse(real, shown).isDirectory()) throw new Refused(`${shown} is a folder: use list_files.`);
  // Opened by its real path (resolve() checked it stays in the mount), never blocking: a FIFO is refused.
  const { fd, stat } = openRegular(fs.realpathSync(real), shown, O_RDONLY);
  try {
    const content = readUpTo(fd, Math.min(stat.size, request.maxBytes));
    return { path: shown, content: content.toString('utf8'), size: stat.size, cut: Math.max(0, stat.size - content.length) };
  } finally {
    fs.closeSync(fd);
  }
}

export function writeFile(mounts: readonly Mount[], request: z.infer<typeof WriteFileRequest>): z.infer<typeof FileWritten> {
  const { shown, real, mount } = resolve(mounts, request.path, true);
  if (shown === mount.path) throw new Refused(`${shown} is a folder.`);
  fs.mkdirSync(path.dirname(real), { recursive: true });
  // Never write through a symlink, even one that points inside: replace it instead.
  if (fs.lstatSync(real, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(real);
  // A FIFO (or device) at the path is refused, not written into: its open would wait for a reader.
  const { fd } = openRegular(real, shown, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  try {
    fs.writeSync(fd, request.content);
  } finally {
    fs.closeSync(fd);
  }
  return { path: shown, bytes: Buffer.byteLength(request.content) };
}

export function listFiles(mounts: readonly Mount[], request: z.infer<typeof ListFilesRequest>): z.infer<typeof FileList> {
  const { shown, real } = resolve(mounts, request.path, false);
  if (!statOrRefuse(real, shown).isDirectory()) throw new Refused(`${shown} is a file: use read_file.`);
  const all = fs.readdirSync(real, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const entries = all.slice(0, LIST_LIMIT).map((entry) => {
    const kind = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'link' : 'other';
    const size = kind === 'file' ? (fs.lstatSync(path.join(real, entry.name), { throwIfNoEntry: false })?.size ?? 0) : 0;
    return { name: entry.name, kind, size } as const;
  });
  return { path: shown, entries, more: all.length - entries.length };
}

function statOrRefuse(real: string, shown: string): fs.Stats {
  const stat = fs.statSync(real, { throwIfNoEntry: false });
  if (!stat) throw new Refused(`${shown} does not exist.`);
  return stat;
}
