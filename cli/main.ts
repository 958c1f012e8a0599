// The `babybot` command: one verb per thing a person does with BabyBot.
import { Command } from 'commander';
import { agentsCommand } from './agents.js';
import { approvalsCommand } from './approvals.js';
import { groupsCommand } from './groups.js';
import { whatsappCommand } from './whatsapp.js';
import { telegramCommand } from './telegram.js';
import { chatCommand } from './chat.js';
import { webCommand } from './web.js';
import { doctorCommand } from './doctor.js';
import { migrateEmbeddedCommand } from './migrate-embedded.js';
import { modelCommand } from './model.js';
import { sandboxBuildCommand } from './sandbox.js';
import { replayCommand } from './replay.js';
import { retryCommand } from './retry.js';
import { runsCommand } from './runs.js';
import { startCommand } from './start.js';
import { tasksCommand } from './tasks.js';
import { workerCommand } from './worker.js';

const program = new Command('babybot')
  .description('A personal assistant on WhatsApp: local model through Ollama, sandboxed actions, every piece of work a Temporal workflow.')
  .showHelpAfterError();

program
  .command('start')
  .description('start everything: the Temporal server (embedded unless TEMPORAL_ADDRESS is set), the workers, the local web chat, WhatsApp once linked')
  .option('--only <part>', 'run only one part: channel (the store, HTTP, WhatsApp and its queue; the other queues are served by `babybot worker`)')
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

program
  .command('web')
  .description("print the web chat's link, with the owner's token (open it once; the browser keeps the token)")
  .action(webCommand);

program
  .command('runs')
  .description('recent turns and task runs with their Web UI links; for failed ones the cause')
  .option('--failed', 'only runs that failed or timed out')
  .option('--stuck', 'groups whose turn has run longer than its bound, whose queue does not move, or whose workflow tasks fail')
  .option('--group <folder>', "only this group's runs")
  .option('--limit <n>', 'how many runs to show', '20')
  .action(runsCommand);

program
  .command('replay')
  .description("replay a run's history against this checkout's workflow code: OK, or the determinism error")
  .argument('[workflowId]', 'the run to replay, e.g. turn:main:123 (its latest run unless --run)')
  .option('--run <runId>', 'a specific run of the workflow id')
  .option('--file <history.json>', 'an exported history (Web UI download, `temporal workflow show --output json`)')
  .action(replayCommand);

program
  .command('retry')
  .description('run a failed turn or task run again with the same input, as a new run of the same id')
  .argument('<workflowId>', 'the failed run, e.g. turn:main:123')
  .action(retryCommand);

program
  .command('worker')
  .description('an extra worker process for some task queues (scaling out): TEMPORAL_ADDRESS, else the embedded server of a `babybot start` on this machine')
  .requiredOption('--queues <list>', 'comma-separated: workflows, model, sandbox (never channel)')
  .action(workerCommand);

program
  .command('migrate-embedded')
  .description("move this installation from the embedded server to a cluster: Schedules (tasks), unanswered messages, search attributes; closed runs' history stays behind (stop BabyBot first)")
  .requiredOption('--to <host:port>', "the cluster's frontend, e.g. temporal.example.lan:7233")
  .action(migrateEmbeddedCommand);

program.addCommand(tasksCommand());
program.addCommand(modelCommand());
program.addCommand(approvalsCommand());
program.addCommand(agentsCommand());

program.addCommand(whatsappCommand());
program.addCommand(telegramCommand());
program.addCommand(groupsCommand());

const sandbox = program.command('sandbox').description("the agent image and the groups' containers");
sandbox
  .command('build')
  .description('compile the agent runner and build the agent image (SANDBOX_IMAGE); skipped when nothing changed')
  .option('--base-image <image>', 'the image to build FROM (CI: babybot-base:bookworm, built by scripts/build-base-image.sh)', 'node:20-slim')
  .option('--force', 'rebuild even when the inputs did not change')
  .action(sandboxBuildCommand);

await program.parseAsync(process.argv);
