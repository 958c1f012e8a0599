// `babybot doctor`'s sandbox line: which runtime steps would run in, and whether its
// image is there; what to do when not.
import { UNSAFE_BANNER } from '../container/runtime/none.js';
import { selectRuntime } from '../container/runtime/select.js';
import { createLogger } from '../lib/logger.js';
import type { DoctorCheck as Check } from './doctor-check.js';

export const sandboxCheck: Check = {
  name: 'Sandbox',
  required: false,
  async run(config) {
    if (config.CONTAINER_RUNTIME === 'none') {
      return { ok: false, detail: UNSAFE_BANNER, fix: 'Set CONTAINER_RUNTIME=auto (or docker) and start Docker.' };
    }
    const runtime = selectRuntime(config, createLogger('silent'));
    try {
      return { ok: true, detail: await runtime.describe() };
    } catch (error) {
      const message = (error as Error).message;
      const fix = /image/.test(message)
        ? 'Run `npm run build:agent` (or `babybot sandbox build`).'
        : 'Start Docker (or set DOCKER_HOST), then `npm run build:agent`; the assistant cannot run commands until then.';
      return { ok: false, detail: message, fix };
    } finally {
      runtime.close?.();
    }
  },
};
