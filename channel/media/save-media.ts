// Saves a media file into a group's folder (media/<message id>.<ext>). That folder is the
// group's container's to write, so `media` may have been swapped for a symlink to anywhere
// on the host, even between a check and a write. So the folder is opened once without
// following links (O_DIRECTORY | O_NOFOLLOW) and every write goes through that open
// descriptor (/proc/self/fd/N/…, which the kernel resolves to the folder it opened, not to
// whatever the path names now); the file itself is created new (O_EXCL | O_NOFOLLOW) and
// renamed into place, so a planted link at the final name is replaced, never written through.
import fs from 'node:fs';
import path from 'node:path';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;

export const MEDIA_FOLDER = 'media';

export class UnsafeMediaFolderError extends Error {
  override name = 'UnsafeMediaFolderError';
}

/** Opens dir/name as a real folder, making it if missing; a link or file in its place is removed first. */
function openRealFolder(parentFd: number, parentPath: string, name: string): number {
  const inParent = `/proc/self/fd/${parentFd}/${name}`;
  const stat = fs.lstatSync(inParent, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) fs.rmSync(inParent, { force: true });
  if (!stat || !stat.isDirectory()) fs.mkdirSync(inParent, { mode: 0o755 });
  try {
    return fs.openSync(inParent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (error) {
    throw new UnsafeMediaFolderError(`${path.join(parentPath, name)} is not a real folder (${(error as Error).message}); the file was not saved.`);
  }
}

/**
 * Writes data to <groupsDir>/<folder>/media/<fileName> and returns the path relative to the
 * group's folder (media/<fileName>), as the container sees it under /workspace/group.
 */
export function saveMediaFile(groupsDir: string, folder: string, fileName: string, data: Buffer): string {
  if (!/^[\w.-]+$/.test(fileName) || fileName.startsWith('.')) throw new Error(`Not a plain file name: ${fileName}`);
  // The group's own folder sits in GROUPS_DIR, which only the host writes.
  const groupDir = path.join(groupsDir, folder);
  fs.mkdirSync(groupDir, { recursive: true });
  const groupFd = fs.openSync(groupDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  let mediaFd: number | undefined;
  try {
    mediaFd = openRealFolder(groupFd, groupDir, MEDIA_FOLDER);
    const dir = `/proc/self/fd/${mediaFd}`;
    const temp = `${dir}/.${fileName}.${process.pid}.${Date.now()}.part`;
    const fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, `${dir}/${fileName}`);
    return `${MEDIA_FOLDER}/${fileName}`;
  } finally {
    if (mediaFd !== undefined) fs.closeSync(mediaFd);
    fs.closeSync(groupFd);
  }
}
