// The runner's one way to open a file the model's commands can reach: never blocking, regular
// files only. A FIFO planted where the runner reads or writes would otherwise hang its open()
// for good, and since the runner's file tools are synchronous, every later request of the
// group with it. O_NONBLOCK makes such an open return at once (a FIFO with no writer opens
// and is refused on its descriptor; one with no reader fails with ENXIO), O_NOFOLLOW refuses
// a link swapped in after the path was resolved, and the kind is checked on the descriptor
// itself, so nothing changes between the check and the use. A device node is refused too.
// (lib/safe-fs.ts is the host's counterpart; the runner is compiled on its own, so it cannot import it.)
import fs from 'node:fs';

const { O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/** What the path turned out to be, in words the model can act on. */
export class NotRegularFile extends Error {}

export function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

/** Opens file (already resolved, no link left in it) without blocking; the descriptor is a regular file's. */
export function openRegular(file: string, shown: string, flags: number, mode?: number): { fd: number; stat: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new NotRegularFile(`${shown} is a symlink that changed while it was opened; it was not followed.`);
    if (code === 'ENXIO') throw new NotRegularFile(`${shown} is a FIFO (named pipe), not a regular file; it was not opened.`);
    throw error;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new NotRegularFile(`${shown} is ${kindOf(stat)}, not a regular file; it was not opened. Delete or rename it with run_command.`);
  }
  return { fd, stat };
}

/** Reads up to maxBytes from the start of an open regular file. */
export function readUpTo(fd: number, maxBytes: number): Buffer {
  const buffer = Buffer.alloc(maxBytes);
  let read = 0;
  while (read < buffer.length) {
    const n = fs.readSync(fd, buffer, read, buffer.length - read, read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}
