// The `babybot` command: one verb per thing a person does with BabyBot.
import { Command } from 'commander';
import { chatCommand } from './chat.js';
import { doctorCommand } from './doctor.js';
import { startCommand } from './start.js';

const program = new Command('babybot')
  .description('A personal assistant on WhatsApp: local model through Ollama, sandboxed actions, every piece of work a Temporal workflow.')
  .showHelpAfterError();

program
  .command('start')
  .description('start everything: the Temporal server (embedded unless TEMPORAL_ADDRESS is set), the workers, the local web chat, WhatsApp once linked')
  .option('--no-workers', 'run only the channel (store, HTTP, WhatsApp) and its queue; other queues are served by `babybot worker`')
  .option('--only <part>', 'run only one part: channel')
  .action(startCommand);

program
  .command('doctor')
  .description('check Node, the data folder, Temporal, Ollama and the model, the sandbox and WhatsApp; say what to fix')
  .option('--pull', 'pull the configured model into Ollama when it is missing')
  .action(doctorCommand);

program
  .command('chat')
  .description('chat in the terminal with a running BabyBot')
  .option('--chat <name>', 'the local chat to talk in', 'main')
  .option('--url <url>', 'where BabyBot listens (default http://HTTP_HOST:HTTP_PORT)')
  .action(chatCommand);

await program.parseAsync(process.argv);
