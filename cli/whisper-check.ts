// `babybot doctor`: is a local speech model there for voice notes (WHISPER_MODEL)? Without
// one voice notes still arrive, as placeholders; this says how to get one.
import fs from 'node:fs';
import { WHISPER_HINT } from '../activities/media/transcribe.js';
import type { DoctorCheck as Check } from './doctor-check.js';

const GGML_MAGIC = 0x67676d6c;

export const whisperCheck: Check = {
  name: 'Voice notes (speech model)',
  required: false,
  async run(config) {
    const model = config.WHISPER_MODEL;
    if (!model) return { ok: false, detail: 'WHISPER_MODEL is not set: voice notes arrive untranscribed', fix: WHISPER_HINT };
    let fd: number;
    try {
      fd = fs.openSync(model, 'r');
    } catch (error) {
      return { ok: false, detail: `WHISPER_MODEL=${model} cannot be opened (${(error as NodeJS.ErrnoException).code})`, fix: WHISPER_HINT };
    }
    try {
      const head = Buffer.alloc(4);
      fs.readSync(fd, head, 0, 4, 0);
      const size = fs.fstatSync(fd).size;
      if (head.readUInt32LE(0) !== GGML_MAGIC) {
        return { ok: false, detail: `${model} is not a whisper.cpp (ggml) model file`, fix: WHISPER_HINT };
      }
      return { ok: true, detail: `${model} (${(size / 1024 / 1024).toFixed(0)} MB, whisper.cpp ggml; transcribed on the media queue, ${config.MAX_CONCURRENT_MEDIA} at once)` };
    } finally {
      fs.closeSync(fd);
    }
  },
};
