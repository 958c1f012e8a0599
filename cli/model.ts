// `babybot model import FILE [--name N]`: a model from a local GGUF file, for a machine that
// cannot reach the model registry. It goes into the Ollama BabyBot uses: the one answering at
// OLLAMA_HOST (BabyBot's own while `babybot start` runs), else BabyBot's own started for the
// import and stopped after it. Named OLLAMA_MODEL by default, so a running BabyBot answers
// with it from the next message, with no setting to change.
import { Command } from 'commander';
import { ollamaAnswers, startOllama } from '../lib/ollama-server.js';
import { commandContext, fail } from './context.js';
import { ImportRefused, importModel } from './model-import.js';
import { answerWaitingMessages } from './model-waiting.js';

interface ImportFlags {
  name?: string;
  template?: string;
}

export function modelCommand(): Command {
  const command = new Command('model').description('the model BabyBot thinks with');
  command
    .command('import')
    .description("create an Ollama model from a local GGUF file, with a chat template that has tools (for machines that cannot pull)")
    .argument('<file>', 'the .gguf model file')
    .option('--name <name>', 'the model name in Ollama (default: OLLAMA_MODEL, so BabyBot uses it at once)')
    .option('--template <file>', "a Go chat template instead of BabyBot's ChatML-with-tools one (it must have a tools section)")
    .action(importCommand);
  return command;
}

async function importCommand(file: string, flags: ImportFlags): Promise<void> {
  const { config } = commandContext();
  const name = flags.name ?? config.OLLAMA_MODEL;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let ollama;
  try {
    const running = await ollamaAnswers(config.OLLAMA_HOST);
    ollama = await startOllama(config, say);
    if (!running && !ollama.embedded) {
      fail(`Ollama is not reachable at ${config.OLLAMA_HOST}, so there is nothing to import into. Start it (\`ollama serve\`), or unset OLLAMA_HOST so BabyBot runs its own.`);
    }
  } catch (error) {
    fail(`Could not reach or start Ollama for the import: ${(error as Error).message}`);
  }
  try {
    const result = await importModel({ file, name, host: config.OLLAMA_HOST, templateFile: flags.template, progress: say });
    say(`Imported ${file} as ${result.name} in ${(result.ms / 1000).toFixed(1)}s: ${result.described}.`);
    if (result.name === config.OLLAMA_MODEL) {
      say(`BabyBot uses it (OLLAMA_MODEL=${config.OLLAMA_MODEL}) from the next message.`);
      await answerWaitingMessages(config, say);
    } else {
      say(`To use it, set OLLAMA_MODEL=${result.name} (in .env or the environment) and restart BabyBot.`);
    }
  } catch (error) {
    fail(error instanceof ImportRefused ? error.message : `The import failed: ${(error as Error).message}`);
  } finally {
    // fail() exits the process: the embedded Ollama's watchdog stops it then.
    await ollama?.stop();
  }
}
