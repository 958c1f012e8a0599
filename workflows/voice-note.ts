// A voice note's way in (`voice:<folder>:<message id>`): transcribe it on the `media` task
// queue (local whisper.cpp, its own concurrency limit, heartbeats), then let the channel
// put the words into the stored message and decide, on the words, whether it calls the
// assistant, exactly as for a typed message. A transcription that cannot be done leaves a
// readable placeholder instead; the message is never dropped.
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { oneLine } from '../contracts/one-line.js';
import type { MediaActivities, MediaChannelActivities, Transcription } from '../contracts/activities.js';
import { queuesOf } from '../contracts/task-queue-names.js';

export interface VoiceNoteInput {
  folder: string;
  chat: string;
  messageId: string;
  /** Relative to the group's folder. */
  path: string;
}

export async function voiceNoteWorkflow(input: VoiceNoteInput): Promise<{ triggered: boolean; text: string }> {
  const queues = queuesOf(workflowInfo().taskQueue);
  const media = proxyActivities<MediaActivities>({
    taskQueue: queues.media,
    // A long voice note on a busy CPU takes minutes; a dead worker is noticed by its heartbeat.
    startToCloseTimeout: '15m',
    heartbeatTimeout: '30s',
    retry: { initialInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: ['VoiceNoteUnreadable'] },
  });
  // The words reach the chat's queue however long the channel is away (a restart, a deploy):
  // no count limit while the channel is not available (activities/channel-step.ts), so a
  // voice note is never dropped; any other failure becomes final after 10 attempts.
  const channel = proxyActivities<MediaChannelActivities>({
    taskQueue: queues.channel,
    startToCloseTimeout: '2m',
    heartbeatTimeout: '30s',
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
  });
  let outcome: Transcription;
  try {
    outcome = await media.transcribeVoiceNote.executeWithOptions({ summary: `transcribe ${input.path}` }, [
      { folder: input.folder, path: input.path },
    ]);
  } catch (error) {
    outcome = { ok: false, reason: reasonOf(error) };
  }
  return channel.voiceNoteTranscribed.executeWithOptions(
    { summary: outcome.ok ? `transcribed (${outcome.language}, ${outcome.audioSeconds}s)` : 'not transcribed' },
    [{ chat: input.chat, messageId: input.messageId, outcome }],
  );
}

function reasonOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  const message = current instanceof ApplicationFailure || current instanceof Error ? current.message : String(current);
  return oneLine(message, 200);
}
