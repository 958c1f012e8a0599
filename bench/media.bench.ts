// Media benchmark: how fast a voice note is transcribed on this machine (the real-time
// factor: seconds of speech per second of work, with the tiny.en model and
// WHISPER_THREADS=2, the default), and what preparing a photo for a vision model costs
// (decode, turn upright, shrink to 1024 px, re-encode as JPEG without EXIF) per photo size.
// Needs WHISPER_TEST_MODEL (scripts/components/whisper.sh), espeak-ng and opus-tools.
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import { decodeForWhisper } from '../activities/media/audio-decode.js';
import { prepareImage } from '../activities/media/model-images.js';
import { photo, speech, whisperModel } from '../tests/media/support.js';
import { percentile } from './stats.js';

const RUNS = 3;
const PHOTO_RUNS = 10;

export async function run(): Promise<void> {
  const model = whisperModel();
  const { initWhisper } = await import('@fugood/whisper.node');
  const clip = speech('Please buy milk and bread tomorrow, and call the plumber about the kitchen sink before Friday.');
  const decodeMs: number[] = [];
  let audio = await decodeForWhisper(clip.ogg);
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    audio = await decodeForWhisper(clip.ogg);
    decodeMs.push(performance.now() - began);
  }
  const loadBegan = performance.now();
  const context = await initWhisper({ filePath: model, useGpu: false });
  const loadMs = performance.now() - loadBegan;
  const rtf: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    const buffer = audio.pcm.buffer.slice(0) as ArrayBuffer;
    await context.transcribeData(buffer, { maxThreads: 2 }).promise;
    rtf.push(audio.seconds / ((performance.now() - began) / 1000));
  }
  await context.release();
  console.log(`transcription (${model.split('/').pop()}, ${fs.statSync(model).size >> 20} MB, 2 threads), ${audio.seconds.toFixed(1)} s of Ogg Opus speech, ${RUNS} runs:`);
  console.log(`  model load ${loadMs.toFixed(0)} ms; Ogg Opus decode + resample p50 ${percentile(decodeMs, 50).toFixed(0)} ms`);
  console.log(`  real-time factor p50 ${percentile(rtf, 50).toFixed(2)}x (min ${Math.min(...rtf).toFixed(2)}, max ${Math.max(...rtf).toFixed(2)}): seconds of speech per second of work`);

  console.log(`photo preparation for a vision model (to ≤1024 px JPEG, EXIF stripped), ${PHOTO_RUNS} runs each:`);
  const baseline: number[] = [];
  for (const [w, h] of [[1280, 960], [2400, 1600], [4032, 3024]] as const) {
    const input = await photo(w, h);
    const ms: number[] = [];
    let out = 0;
    for (let i = 0; i < PHOTO_RUNS; i++) {
      const began = performance.now();
      out = (await prepareImage(input)).jpeg.length;
      ms.push(performance.now() - began);
    }
    baseline.push(percentile(ms, 50));
    console.log(
      `  ${w}×${h} (${(input.length / 1024).toFixed(0)} KB in, ${(out / 1024).toFixed(0)} KB out): p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms` +
        (baseline.length > 1 ? ` (${(percentile(ms, 50) / baseline[0]).toFixed(2)}× the 1280×960 photo)` : ''),
    );
  }
}
