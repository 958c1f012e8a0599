// The agent runner: PID 2 of a group's container (after Docker's init). It serves the
// file-watch IPC in /workspace/ipc until the container is stopped. Its folders come from
// BABYBOT_MOUNTS, written by the host from the same table that made the mounts.
import { MountTable } from '../../ipc/schema.js';
import { IpcServer } from './ipc-server.js';
import { RunningCommands } from './run-command.js';

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

const mounts = MountTable.parse(JSON.parse(process.env.BABYBOT_MOUNTS ?? '[]'));
const server = new IpcServer(process.env.BABYBOT_IPC_DIR ?? '/workspace/ipc', {
  mounts,
  running: new RunningCommands(),
  killOrphans: true,
  env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', TMPDIR: '/tmp' },
}, log);
server.start();
log(`agent runner ready (node ${process.versions.node}), mounts: ${mounts.map((m) => `${m.path}${m.writable ? '' : ' (ro)'}`).join(', ')}`);

const stop = () => {
  server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
