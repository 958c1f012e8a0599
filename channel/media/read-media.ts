// Reads a file of a group's folder for the host (a voice note to transcribe, a photo for
// the model, a file for send_file or a download). The folder is the group's container's to
// write, so the path is the model's or the container's word, never trusted: it must stay
// inside the folder, no part of it may be a symlink (each part is lstat'ed, the file is
// opened with O_NOFOLLOW), only a regular file is read (checked on the open descriptor, so
// a swap after the check is caught), a FIFO never blocks (O_NONBLOCK), and size is capped.
import fs from 'node:fs';
import path from 'node:path';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

export class MediaPathError extends Error {
  override name = 'MediaPathError';
}

/** The path relative to the group's folder, or a MediaPathError saying why it is refused. */
export function containedPath(relative: string): string {
  const cleaned = relative.replace(/^\/workspace\/group\/?/, '');
  if (!cleaned || path.isAbsolute(cleaned)) {
    throw new MediaPathError(`"${relative}" is not a path inside the group folder (give it relative to /workspace/group, e.g. out/report.pdf).`);
  }
  const normal = path.posix.normalize(cleaned);
  if (normal === '..' || normal.startsWith('../') || normal.includes('\0')) {
    throw new MediaPathError(`"${relative}" leads outside the group folder; only files inside /workspace/group can be used.`);
  }
  return normal;
}

export interface ReadFile {
  data: Buffer;
  relative: string;
  bytes: number;
}

export function readGroupFile(groupsDir: string, folder: string, relative: string, maxBytes: number): ReadFile {
  const rel = containedPath(relative);
  const root = path.join(groupsDir, folder);
  // Every folder on the way is checked not to be a link (the last part is opened with O_NOFOLLOW).
  let at = root;
  for (const part of rel.split('/').slice(0, -1)) {
    at = path.join(at, part);
    const stat = fs.lstatSync(at, { throwIfNoEntry: false });
    if (!stat) throw new MediaPathError(`"${relative}" does not exist in the group folder.`);
    if (stat.isSymbolicLink()) throw new MediaPathError(`"${relative}" goes through a symlink (${path.relative(root, at)}); links are not followed.`);
    if (!stat.isDirectory()) throw new MediaPathError(`"${relative}": ${path.relative(root, at)} is not a folder.`);
  }
  const file = path.join(root, rel);
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MediaPathError(`"${relative}" does not exist in the group folder.`);
    if (code === 'ELOOP') throw new MediaPathError(`"${relative}" is a symlink; links are not followed.`);
    throw new MediaPathError(`"${relative}" cannot be opened (${code ?? (error as Error).message}).`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new MediaPathError(`"${relative}" is not a regular file (a folder, FIFO or device); only regular files can be used.`);
    if (stat.size > maxBytes) throw new MediaPathError(`"${relative}" is ${stat.size} bytes, over the limit of ${maxBytes} (MEDIA_MAX_BYTES).`);
    const data = Buffer.alloc(stat.size);
    let read = 0;
    while (read < data.length) {
      const n = fs.readSync(fd, data, read, data.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return { data: data.subarray(0, read), relative: rel, bytes: read };
  } finally {
    fs.closeSync(fd);
  }
}
