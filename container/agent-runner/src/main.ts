// The agent runner: PID 2 of a group's container (after Docker's init). It serves the
// file-watch IPC in /workspace/ipc until the container is stopped. Its folders come from
// BABYBOT_MOUNTS, written by the host from the same table that made the mounts.
import { MountTable } from '../../ipc/schema.js';
import type { CommandUser } from './execute.js';
import { IpcServer } from './ipc-server.js';
import { RunningCommands } from './run-command.js';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

const mounts = MountTable.parse(JSON.parse(process.env.BABYBOT_MOUNTS ?? '[]'));

/** The runner as root runs nothing as root: the model's commands get BABYBOT_COMMAND_USER, or the runner refuses to start. */
function commandUser(): CommandUser | undefined {
  const match = /^(\d+):(\d+)$/.exec(process.env.BABYBOT_COMMAND_USER ?? '');
  if (process.getuid?.() !== 0) return undefined;
  if (!match || Number(match[1]) === 0) {
    log('refusing to start: running as root, BABYBOT_COMMAND_USER must name the non-root uid:gid for the commands');
    process.exit(2);
  }
  // No supplementary groups of root's stay with the runner either.
  process.setgroups!([]);
  return { uid: Number(match[1]), gid: Number(match[2]) };
}

const server = new IpcServer(process.env.BABYBOT_IPC_DIR ?? '/workspace/ipc', {
  mounts,
  running: new RunningCommands(),
  killOrphans: true,
  env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', TMPDIR: '/tmp' },
  commandUser: commandUser(),
}, log);
server.start();
log(`agent runner ready (node ${process.versions.node}), mounts: ${mounts.map((m) => `${m.path}${m.writable ? '' : ' (ro)'}`).join(', ')}`);

const stop = () => {
  server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
