// `babybot doctor`: each line says OK or what to do. Exit code 1 when something BabyBot
// cannot answer without is missing.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../lib/config.js';
import { runChecks } from '../lib/checks.js';
import type { DoctorCheck as Check, DoctorFlags } from './doctor-check.js';
import { isLinked } from '../channel/whatsapp/auth-state.js';
import { Store } from '../lib/store/store.js';
import { cacheBinDir, findTemporalCli, PINNED_CLI_VERSION } from '../temporal/cli-binary.js';
import { describeModel, numCtxFor, readModelInfo, TOOL_MODELS_HINT } from '../activities/model-info.js';
import { pullModel } from '../activities/model-pull.js';
import { ollamaAgent, ollamaClient } from '../activities/ollama-client.js';
import { connectClient } from '../temporal/connect.js';
import { findOllama } from '../lib/ollama-binary.js';
import { ollamaAnswers, startOllama, wantsEmbeddedOllama, type OllamaService } from '../lib/ollama-server.js';
import { onPath } from '../lib/executables.js';
import { commandContext } from './context.js';
import { pullProgressPrinter } from './pull-progress.js';
import { sandboxCheck } from './sandbox-check.js';
import { stuckCheck } from './stuck-check.js';
import { telegramCheck } from './telegram-check.js';
import { whisperCheck } from './whisper-check.js';

const nodeCheck: Check = {
  name: 'Node.js',
  required: true,
  async run() {
    const [major, minor] = process.versions.node.split('.').map(Number);
    const ok = major > 20 || (major === 20 && minor >= 3);
    return { ok, detail: `v${process.versions.node}`, fix: 'Install Node.js 20.3 or newer (the Temporal SDK needs it).' };
  },
};

const dataCheck: Check = {
  name: 'Data folder',
  required: true,
  async run(config) {
    try {
      fs.mkdirSync(config.dataDir, { recursive: true });
      fs.accessSync(config.dataDir, fs.constants.W_OK);
      const store = Store.openIn(config.dataDir);
      const version = store.schemaVersion;
      store.close();
      return { ok: true, detail: `${config.dataDir} (store schema v${version})` };
    } catch (error) {
      return { ok: false, detail: (error as Error).message, fix: `Make ${config.dataDir} writable, or set DATA_DIR.` };
    }
  },
};

const temporalCheck: Check = {
  name: 'Temporal',
  required: true,
  async run(config) {
    if (config.TEMPORAL_ADDRESS) {
      try {
        await (await connectClient(config)).close();
        return { ok: true, detail: `${config.TEMPORAL_ADDRESS}, namespace ${config.TEMPORAL_NAMESPACE}` };
      } catch (error) {
        return {
          ok: false,
          detail: (error as Error).message.split('\n')[0],
          fix: 'Start that Temporal server, fix TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, or unset TEMPORAL_ADDRESS to use the embedded server.',
        };
      }
    }
    const cli = findTemporalCli(config.TEMPORAL_CLI);
    if (cli) return { ok: true, detail: `embedded server from ${cli}` };
    const hasGo = (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, 'go')));
    return hasGo
      ? { ok: true, detail: `no Temporal CLI yet; \`babybot start\` builds ${PINNED_CLI_VERSION} with Go into ${cacheBinDir()} (a few minutes, once)` }
      : {
          ok: false,
          detail: 'no Temporal CLI (TEMPORAL_CLI, PATH or cache) and no Go to build one',
          fix: 'Install Go (BabyBot then builds the CLI), or install the Temporal CLI (brew install temporal), or set TEMPORAL_ADDRESS.',
        };
  },
};

const ollamaCheck: Check = {
  name: 'Ollama and the model',
  required: true,
  async run(config, flags) {
    const ollama = ollamaClient(config.OLLAMA_HOST, ollamaAgent(config.OLLAMA_HTTP_TIMEOUT));
    const embedded = flags.embeddedOllama;
    if (embedded && !embedded.running) return { ok: false, detail: embedded.detail, fix: embedded.fix };
    let version: string;
    try {
      version = (await withTimeout(ollama.version(), 3000)).version;
    } catch (error) {
      return {
        ok: false,
        detail: `Ollama is not reachable at ${config.OLLAMA_HOST} (${(error as Error).message})`,
        fix:
          `Install Ollama (https://ollama.com), start it with \`ollama serve\`, then \`ollama pull ${config.OLLAMA_MODEL}\`; or set OLLAMA_HOST to where it runs` +
          ' (or unset it, and BabyBot runs its own Ollama).',
      };
    }
    const where = embedded ? `${embedded.detail}; ` : '';
    const { models } = await ollama.list();
    const wanted = config.OLLAMA_MODEL.includes(':') ? config.OLLAMA_MODEL : `${config.OLLAMA_MODEL}:latest`;
    let pulled = '';
    if (!models.some((m) => m.name === wanted || m.model === wanted)) {
      if (!flags.pull) {
        return {
          ok: false,
          detail: `${where}Ollama ${version} is running, but the model ${config.OLLAMA_MODEL} is not pulled`,
          fix:
            `Run \`babybot doctor --pull\` or \`ollama pull ${config.OLLAMA_MODEL}\`; without internet, import a GGUF file you have: ` +
            `\`babybot model import FILE\` (it becomes ${config.OLLAMA_MODEL}). Or set OLLAMA_MODEL to a tool-capable model you have.`,
        };
      }
      const bar = pullProgressPrinter();
      try {
        await pullModel(ollama, config.OLLAMA_HOST, config.OLLAMA_MODEL, (p) => bar.update(p));
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      } finally {
        bar.done();
      }
      pulled = ' (pulled just now)';
    }
    // Capabilities are read, not assumed: tools, thinking, vision and the context window.
    const info = await readModelInfo(ollama, config.OLLAMA_MODEL);
    const described = describeModel(info, numCtxFor(info, config.OLLAMA_NUM_CTX));
    return { ok: true, detail: `${where}Ollama ${version} at ${config.OLLAMA_HOST}, model ${config.OLLAMA_MODEL}${pulled}: ${described}` };
  },
};

const toolsCheck: Check = {
  name: 'Model tools',
  required: false,
  async run(config) {
    const info = await readModelInfo(ollamaClient(config.OLLAMA_HOST, ollamaAgent(config.OLLAMA_HTTP_TIMEOUT), AbortSignal.timeout(5000)), config.OLLAMA_MODEL).catch(() => undefined);
    if (!info) return { ok: false, detail: 'unknown (see the line above)' };
    return info.tools
      ? { ok: true, detail: `${config.OLLAMA_MODEL} calls tools` }
      : {
          ok: false,
          detail: `${config.OLLAMA_MODEL} cannot call tools: BabyBot chats with it but runs no commands, sends no messages, manages no tasks`,
          fix: `Set OLLAMA_MODEL to a model with tools, for example ${TOOL_MODELS_HINT}.`,
        };
  },
};

const whatsappCheck: Check = {
  name: 'WhatsApp',
  required: false,
  async run(config) {
    const store = Store.openIn(config.dataDir);
    // Credentials without an account are a link that was started but never scanned.
    const linked = isLinked(store);
    store.close();
    if (config.WHATSAPP_ENABLED === 'off') return { ok: true, detail: 'disabled (WHATSAPP_ENABLED=off)' };
    return linked
      ? { ok: true, detail: 'linked' }
      : { ok: false, detail: 'not linked (the local web chat works without it)', fix: 'Run `babybot whatsapp link` and scan the QR code with your phone.' };
  },
};

/** Checks in the order they are printed; capabilities add theirs here. */
export const CHECKS: Check[] = [nodeCheck, dataCheck, temporalCheck, ollamaCheck, toolsCheck, sandboxCheck, whisperCheck, whatsappCheck, telegramCheck, stuckCheck];

export async function runDoctor(config: Config, flags: DoctorFlags, write: (line: string) => void, checks = CHECKS): Promise<boolean> {
  const report = await runChecks(checks, config, flags);
  for (const { name, required, result } of report.results) {
    const mark = result.ok ? 'OK  ' : required ? 'FAIL' : 'WARN';
    write(`${mark} ${name}: ${result.detail}`);
    if (!result.ok && result.fix) write(`     -> ${result.fix}`);
  }
  return report.status !== 'down';
}

export async function doctorCommand(flags: DoctorFlags): Promise<void> {
  const { config } = commandContext();
  const { service, state } = await embeddedOllamaForDoctor(config);
  const healthy = await runDoctor(config, { ...flags, embeddedOllama: state }, (line) => process.stdout.write(`${line}\n`));
  await service?.stop();
  process.stdout.write(healthy ? 'BabyBot is ready to start.\n' : 'Fix the FAIL lines above, then run `babybot doctor` again.\n');
  process.exit(healthy ? 0 : 1);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms).unref()),
  ]);
}

/**
 * When `babybot start` would run its own Ollama, doctor runs it for its checks (it starts in
 * about a second) so the model and its tools are checked where BabyBot will use them. It
 * never builds one: it says that `start` will.
 */
async function embeddedOllamaForDoctor(config: Config): Promise<{ service?: OllamaService; state?: DoctorFlags['embeddedOllama'] }> {
  if (!wantsEmbeddedOllama(config, await ollamaAnswers(config.OLLAMA_HOST))) return {};
  let binary: string | undefined;
  try {
    binary = findOllama(config.OLLAMA_BIN);
  } catch (error) {
    return { state: { running: false, detail: (error as Error).message.split('\n')[0], fix: 'Set OLLAMA_BIN to an `ollama` binary, or unset it.' } };
  }
  if (!binary) {
    return onPath('go')
      ? { state: { running: false, detail: `nothing answers at ${config.OLLAMA_HOST} and no Ollama is installed; \`babybot start\` builds one with Go into the cache (minutes, once) and runs it`, fix: 'Run `babybot start` once, then `babybot doctor` again.' } }
      : {
          state: {
            running: false,
            detail: `nothing answers at ${config.OLLAMA_HOST}, no Ollama is installed, and no Go to build one`,
            fix: 'Install Ollama (https://ollama.com) or Go (https://go.dev/dl); or set OLLAMA_HOST to a running Ollama.',
          },
        };
  }
  try {
    const service = await startOllama(config, () => {});
    return { service, state: { running: true, detail: `BabyBot's own Ollama (${binary}, models in ${service.modelsDir})` } };
  } catch (error) {
    return { state: { running: false, detail: (error as Error).message, fix: 'Fix what the line says, then `babybot doctor` again.' } };
  }
}
