// `babybot sandbox …`: the agent image and the groups' containers.
import { buildAgentImage, DEFAULT_BASE_IMAGE } from '../container/image.js';
import { dockerClient } from '../container/runtime/select.js';
import { commandContext, fail } from './context.js';

export interface SandboxBuildFlags {
  baseImage?: string;
  force?: boolean;
}

export async function sandboxBuildCommand(flags: SandboxBuildFlags): Promise<void> {
  const { config } = commandContext();
  const { docker, where } = dockerClient(config.DOCKER_HOST);
  try {
    await docker.version();
  } catch (error) {
    fail(`The Docker engine at ${where} does not answer (${(error as Error).message}): start Docker, or set DOCKER_HOST.`);
  }
  try {
    await buildAgentImage({
      docker,
      image: config.SANDBOX_IMAGE,
      baseImage: flags.baseImage ?? DEFAULT_BASE_IMAGE,
      force: flags.force,
      write: (line) => process.stdout.write(`${line}\n`),
    });
  } catch (error) {
    fail((error as Error).message);
  }
}
