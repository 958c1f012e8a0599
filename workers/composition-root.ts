// The composition root: the one place the whole application is wired together. The
// store, the Temporal server (embedded unless TEMPORAL_ADDRESS is set), every worker, the
// local channel and WhatsApp, built from the configuration and stopped together in
// reverse. `babybot start` runs this; tests start it the same way. (A worker-only process
// is worker-process.ts.)
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createChannelActivities } from '../activities/channel-activities.js';
import { agentLimits } from '../activities/agent-limits.js';
import { channelSteps } from '../activities/channel-step.js';
import { createMediaChannelActivities } from '../activities/media/voice-note-done.js';
import { mediaAwareHandOver } from '../channel/media/media-handover.js';
import { createVoiceNoteStarter } from '../temporal/voice-note-starter.js';
import { deliver } from '../activities/delivery.js';
import { readModelInfo } from '../activities/model-info.js';
import { ollamaAgent, ollamaClient } from '../activities/ollama-client.js';
import { guardSettings, installToken, webChatLink } from '../lib/http-guard.js';
import { HttpServer, webChatPage, type HealthReport } from '../channel/http-server.js';
import { Inbound } from '../channel/inbound.js';
import { localOutbound, OutboundRouter } from '../channel/outbound.js';
import { openSandboxRuntime } from '../container/runtime/select.js';
import type { SandboxRuntime } from '../container/runtime/types.js';
import { platformChannels, type ChannelSeams } from '../channel/channels.js';
import type { WhatsAppSeams } from '../channel/whatsapp/setup.js';
import type { WhatsAppChannel } from '../channel/whatsapp/whatsapp-channel.js';
import type { TelegramSeams } from '../channel/telegram/setup.js';
import type { TelegramChannel } from '../channel/telegram/telegram-channel.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { closeDataFolders } from '../lib/private-folder.js';
import { Store } from '../lib/store/store.js';
import { createCommandSender, createGroupStarter, DEFAULT_TURNS_PER_RUN, queueGroupJob } from '../temporal/group-starter.js';
import { currentTurnOf, findGroupJob } from '../temporal/group-jobs.js';
import { runLink } from '../temporal/namespace.js';
import { startTemporalServer, type TemporalServer } from '../temporal/server.js';
import { ollamaAnswers, startOllama, type OllamaService } from '../lib/ollama-server.js';
import type { PullProgress } from '../activities/model-pull.js';
import { TaskService } from '../tasks/task-service.js';
import { QUEUE_NAMES, taskQueues, type QueueName } from '../contracts/task-queue-names.js';
import { checkHealth } from './health.js';
import { prepareModel } from './model-start.js';
import { promptSettings } from './prompt-settings.js';
import { turnProgress } from '../temporal/turn-progress.js';
import { tellWaitingTurn } from '../temporal/approvals.js';
import { createWorkerActivities, queueConcurrency } from './worker-activities.js';
import { WorkerSet } from './worker-set.js';

export interface StartOptions {
  /** The task queues this process polls (default: all). */
  serve?: QueueName[];
  /** Run the channel side: the store's inbound path, the local HTTP API, WhatsApp (default: true). */
  channel?: boolean;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Turns per group workflow run before continue-as-new. */
  turnsPerRun?: number;
  /** How long steps in flight may finish when stopping (default: the workers' SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
  /** Tests replace WhatsApp's socket (a fake emitting Baileys' objects), backoff and clock. */
  whatsapp?: WhatsAppSeams;
  /** Tests shorten Telegram's backoff (its Bot API is their own server, TELEGRAM_API_ROOT). */
  telegram?: TelegramSeams;
  /**
   * Turns run their context and delivery steps as local activities when this process serves
   * the workflows queue too (default: true); the benchmark turns it off for its "before" figures.
   */
  localChannelSteps?: boolean;
  /** Where the progress of pulling a missing model at start goes (`babybot start`: a progress bar). */
  pullProgress?: (p: PullProgress) => void;
  /**
   * The clock the local HTTP API stamps a message's sent time with, and a task's prompt its
   * time now: both are in the model's prompt, so the real-model tests fix it (a real model at
   * temperature 0 answers the same prompt the same way, not the same request at another minute).
   */
  clock?: () => Date;
}

export interface BabyBot {
  config: Config;
  store: Store;
  client: Client;
  temporal: TemporalServer;
  /** The Ollama model steps use: OLLAMA_HOST's, or BabyBot's own started there (OLLAMA_EMBEDDED). */
  ollama: OllamaService;
  httpUrl?: string;
  /** The owner's token every API request but the health check carries (see http-guard.ts). */
  httpToken?: string;
  /** The web chat's link with the token: what `babybot start` prints. */
  webChatUrl?: string;
  inbound?: Inbound;
  /** Present when this process runs WhatsApp (WHATSAPP_ENABLED, linked). */
  whatsapp?: WhatsAppChannel;
  /** Present when this process runs Telegram (TELEGRAM_BOT_TOKEN). */
  telegram?: TelegramChannel;
  workers: WorkerSet;
  /** The container runtime sandbox steps run in (this process's view of the groups' containers). */
  sandbox: SandboxRuntime;
  health(): Promise<HealthReport>;
  stop(): Promise<void>;
}

export async function startBabyBot(config: Config, log: Logger, options: StartOptions = {}): Promise<BabyBot> {
  const serve = options.serve ?? [...QUEUE_NAMES];
  const withChannel = options.channel ?? true;
  // Stopping loses nothing when it goes in this order: first nothing new is taken (the
  // workers stop polling; the HTTP API closes; a message WhatsApp still brings is stored as
  // pending, handed over at the next start), then the steps in flight finish (a delivery
  // waiting for WhatsApp's ack needs the connection), then WhatsApp closes, and last the rest,
  // in reverse of how it started.
  type Step = () => Promise<void> | void;
  const stopTaking: Step[] = [];
  const finishInFlight: Step[] = [];
  const closeChannels: Step[] = [];
  const stops: Step[] = [];
  const stop = async () => {
    const steps = [...stopTaking, ...finishInFlight, ...closeChannels, ...stops.reverse()];
    stopTaking.length = finishInFlight.length = closeChannels.length = stops.length = 0;
    for (const step of steps) {
      await Promise.resolve(step()).catch((error: unknown) => log.warn({ err: error }, 'while stopping'));
    }
  };

  try {
    closeDataFolders(config);
    const store = Store.openIn(config.dataDir);
    stops.push(() => store.close());
    store.ensureMainGroup();

    // Only a process that runs model steps runs an Ollama of its own; before Temporal, so a
    // binary that will not start or a port in use is said at once.
    const ollama = serve.includes('model')
      ? await startOllama(config, (line) => log.info(line))
      : { host: config.OLLAMA_HOST, embedded: false, stop: async () => {} };
    stops.push(() => ollama.stop());
    const temporal = await startTemporalServer(config, log);
    stops.push(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });
    const workerConnection = await NativeConnection.connect({ address: temporal.address });
    stops.push(() => workerConnection.close());
    const queues = taskQueues(config.TEMPORAL_TASK_QUEUE_PREFIX);
    const turnsPerRun = options.turnsPerRun ?? DEFAULT_TURNS_PER_RUN;

    const served = withChannel ? serve : serve.filter((q) => q !== 'channel');
    const { runtime: sandbox, stop: stopSandbox } = openSandboxRuntime(config, log, { reap: served.includes('sandbox') });
    stops.push(stopSandbox);

    const outbound = new OutboundRouter([localOutbound]);
    // In the router before the workers poll, so a reply waiting for WhatsApp (or Telegram) finds its channel.
    const seams: ChannelSeams = { whatsapp: options.whatsapp, telegram: options.telegram };
    const channels = withChannel ? platformChannels(config, store, log, seams) : { all: [] };
    const { whatsapp, telegram } = channels;
    for (const channel of channels.all) outbound.add(channel);
    // What /model asks Ollama about a model a chat names.
    const modelAgent = ollamaAgent(config.OLLAMA_HTTP_TIMEOUT);
    stops.push(() => modelAgent.close());
    // The model's capabilities and warm-up (at start, and for a model a chat chooses), stopped first when stopping.
    const preparing = new AbortController();
    stopTaking.push(() => preparing.abort());
    const channelActivities = createChannelActivities({
      store,
      outbound,
      assistantName: config.ASSISTANT_NAME,
      groupsDir: config.groupsDir,
      skillsDir: config.skillsDir,
      mediaMaxBytes: config.MEDIA_MAX_BYTES,
      log,
      tasks: TaskService.forConfig(client, config, (folder) => store.groupByFolder(folder)),
      prompt: { ...promptSettings(config), ...(options.clock ? { now: options.clock } : {}) },
      limits: {
        maxSteps: config.AGENT_MAX_STEPS,
        modelTimeoutMs: config.MODEL_TIMEOUT,
        sandboxStepTimeoutMs: config.SANDBOX_STEP_TIMEOUT,
      },
      runLink: (workflowId, runId) => runLink(temporal.uiUrl, temporal.namespace, workflowId, runId),
      queueJob: (group, job) => queueGroupJob(client, queues, group, job, turnsPerRun),
      findGroupJob: (input) => findGroupJob(client, input),
      currentTurnOf: (folder) => currentTurnOf(client, folder),
      groupJobCheckMs: config.GROUP_JOB_CHECK,
      agents: agentLimits(config),
      cancelAgent: (agentId) => client.workflow.getHandle(agentId).cancel().then(() => undefined),
      agentDeadlineMs: config.AGENT_DEADLINE,
      defaultModel: config.OLLAMA_MODEL,
      modelInfo: (model) => readModelInfo(ollamaClient(config.OLLAMA_HOST, modelAgent, AbortSignal.timeout(30_000)), model),
      turnStep: (folder) => turnProgress(client, folder),
      tellTurn: (approval, decision) => tellWaitingTurn(client, approval, decision),
      approvals: { tools: config.APPROVE_TOOLS, timeoutMs: config.APPROVAL_TIMEOUT },
      mayPull: config.OLLAMA_PULL !== 'off',
      warmModel: (model) => void prepareModel({ ...config, OLLAMA_MODEL: model }, log, { warmUp: served.includes('model'), signal: preparing.signal }),
    });
    const toGroup = createGroupStarter(client, queues, turnsPerRun, served.includes('workflows') && (options.localChannelSteps ?? true));
    const mediaChannelActivities = createMediaChannelActivities({
      store,
      outbound,
      assistantName: config.ASSISTANT_NAME,
      handOverToGroup: toGroup,
    });
    const workers = await WorkerSet.create({
      connection: workerConnection,
      namespace: temporal.namespace,
      queues,
      serve: served,
      activities: { channel: channelSteps({ ...channelActivities, ...mediaChannelActivities }), ...createWorkerActivities(config, log, served, sandbox) },
      concurrency: queueConcurrency(config),
      workflowBundle: options.workflowBundle,
      shutdownGraceMs: options.shutdownGraceMs,
      log,
    });
    workers.start();
    stopTaking.push(() => workers.stopPolling());
    finishInFlight.push(() => workers.shutdown());

    let inbound: Inbound | undefined;
    let httpUrl: string | undefined;
    let httpToken: string | undefined;
    const health = () =>
      checkHealth([
        { name: 'store', required: true, run: () => (store.ping(), { ok: true, detail: store.file }) },
        {
          name: 'temporal',
          required: true,
          run: async () => {
            await connection.workflowService.describeNamespace({ namespace: temporal.namespace });
            return { ok: true, detail: `${temporal.address} (${temporal.embedded ? 'embedded' : 'external'})` };
          },
        },
        {
          name: 'workers',
          required: true,
          run: () => ({ ok: workers.states.every((s) => s.endsWith(':RUNNING')), detail: workers.states.join(', ') }),
        },
        ...(serve.includes('model')
          ? [
              {
                name: 'ollama',
                required: false,
                run: async () => ({
                  ok: await ollamaAnswers(ollama.host),
                  detail: `${ollama.host} (${ollama.embedded ? "BabyBot's own" : 'external'}), model ${config.OLLAMA_MODEL}`,
                }),
              },
            ]
          : []),
        ...channels.all.map((channel) => ({ name: channel.name, required: false, run: () => channel.health() })),
        // A channel-only process runs no sandbox steps (its workers do): no engine to report.
        ...(served.includes('sandbox')
          ? [{ name: 'sandbox', required: false, run: async () => ({ ok: true, detail: await sandbox.describe() }) }]
          : []),
      ]);

    if (withChannel) {
      inbound = new Inbound({
        store,
        assistantName: config.ASSISTANT_NAME,
        // A voice note is transcribed first (its own workflow), then handed to the group.
        handOver: mediaAwareHandOver({ store, toGroup, toVoiceNote: createVoiceNoteStarter(client, queues) }),
        command: createCommandSender(client, queues, turnsPerRun),
        log,
      });
      stopTaking.push(() => inbound!.stop());
      // Messages stored before the last stop are handed over before any channel takes a new
      // one, so each chat's turns keep the chat's order across a restart.
      const handed = await inbound.handOverPending();
      if (handed > 0) log.info({ handed }, 'handed over messages stored before the last stop');
      httpToken = installToken(config.HTTP_TOKEN, config.dataDir);
      const http = new HttpServer({
        ...(options.clock ? { now: options.clock } : {}),
        store,
        inbound,
        health,
        webChatHtml: webChatPage(),
        guard: guardSettings(config.HTTP_HOST, config.HTTP_ALLOWED_HOSTS, httpToken),
        maxEventStreams: config.MAX_EVENT_STREAMS,
        media: { groupsDir: config.groupsDir, maxBytes: config.MEDIA_MAX_BYTES, log },
        turnProgress: async (chat) => {
          const group = store.groupByJid(chat);
          return group ? turnProgress(client, group.folder) : undefined;
        },
      });
      httpUrl = await http.listen(config.HTTP_PORT, config.HTTP_HOST);
      stopTaking.push(() => http.close());
      for (const channel of channels.all) {
        // Connects in the background: the local chat serves at once, whatever WhatsApp (or Telegram) does.
        channel.start((message) => inbound!.receive(message));
        closeChannels.push(() => channel.stop());
      }
    }

    if (withChannel || served.includes('model')) {
      // Capabilities logged (the owner told once when tools are off) and the model loaded, in the background.
      const main = () => store.listGroups().find((g) => g.isMain);
      void prepareModel(config, log, {
        warmUp: served.includes('model'),
        pullProgress: served.includes('model') ? options.pullProgress : undefined,
        signal: preparing.signal,
        tellOwner: withChannel
          ? async (key, text) => {
              const owner = main();
              if (owner) await deliver({ store, outbound, assistantName: config.ASSISTANT_NAME }, { key, chat: owner.jid, text });
            }
          : undefined,
      });
    }

    const webChatUrl = httpUrl && httpToken ? webChatLink(httpUrl, httpToken) : undefined;
    return { config, store, client, temporal, ollama, httpUrl, httpToken, webChatUrl, inbound, whatsapp, telegram, workers, sandbox, health, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
