// Whether a process still exists: signal 0 checks without signalling. EPERM means it
// exists but belongs to another user, which is still alive.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
