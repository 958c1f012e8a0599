// Audio in the formats voice notes arrive in (WhatsApp: Ogg Opus; the web chat: WAV;
// espeak-ng and most tools: WAV) -> what whisper.cpp reads: 16 kHz mono signed 16-bit PCM.
// Decoding happens here, in JavaScript/WASM from npm packages, so no ffmpeg is needed.
import { OggOpusDecoder } from 'ogg-opus-decoder';

export const WHISPER_RATE = 16_000;

export class AudioUnreadableError extends Error {
  override name = 'AudioUnreadableError';
}

export interface DecodedAudio {
  pcm: Int16Array;
  seconds: number;
  format: 'ogg-opus' | 'wav';
}

export async function decodeForWhisper(data: Buffer): Promise<DecodedAudio> {
  const magic = data.subarray(0, 4).toString('latin1');
  let samples: Float32Array;
  let rate: number;
  let format: DecodedAudio['format'];
  if (magic === 'OggS') {
    const decoder = new OggOpusDecoder();
    await decoder.ready;
    try {
      const decoded = await decoder.decodeFile(new Uint8Array(data));
      if (decoded.samplesDecoded === 0) {
        throw new AudioUnreadableError(`the Ogg file holds no Opus audio${decoded.errors[0] ? ` (${decoded.errors[0].message})` : ''}`);
      }
      samples = mixDown(decoded.channelData, decoded.samplesDecoded);
      rate = decoded.sampleRate;
      format = 'ogg-opus';
    } finally {
      decoder.free();
    }
  } else if (magic === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WAVE') {
    ({ samples, rate } = readWav(data));
    format = 'wav';
  } else {
    throw new AudioUnreadableError('the file is neither Ogg Opus nor WAV audio');
  }
  const resampled = resample(samples, rate, WHISPER_RATE);
  const pcm = new Int16Array(resampled.length);
  for (let i = 0; i < resampled.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(resampled[i] * 32767)));
  return { pcm, seconds: resampled.length / WHISPER_RATE, format };
}

function mixDown(channels: Float32Array[], length: number): Float32Array {
  if (channels.length === 1) return channels[0].subarray(0, length);
  const out = new Float32Array(length);
  for (const channel of channels) for (let i = 0; i < length; i++) out[i] += channel[i] / channels.length;
  return out;
}

/** PCM WAV (8/16/24/32-bit integer or 32-bit float), any rate, any channel count. */
function readWav(data: Buffer): { samples: Float32Array; rate: number } {
  let at = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (at + 8 <= data.length) {
    const id = data.subarray(at, at + 4).toString('latin1');
    const size = data.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      fmt = { format: data.readUInt16LE(body), channels: data.readUInt16LE(body + 2), rate: data.readUInt32LE(body + 4), bits: data.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new AudioUnreadableError('the WAV file has its data before its format');
      const { format, channels, rate, bits } = fmt;
      const isFloat = format === 3;
      if (!(format === 1 || format === 3 || format === 0xfffe) || channels < 1 || rate < 1000 || ![8, 16, 24, 32].includes(bits)) {
        throw new AudioUnreadableError(`unsupported WAV encoding (format ${format}, ${bits} bits, ${channels} channels)`);
      }
      // A streamed WAV may say 0 or 0xFFFFFFFF: take what is there.
      const end = Math.min(data.length, size === 0 || size === 0xffffffff ? data.length : body + size);
      const step = (bits / 8) * channels;
      const frames = Math.floor((end - body) / step);
      const samples = new Float32Array(frames);
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) {
          const p = body + f * step + (c * bits) / 8;
          sum +=
            isFloat ? data.readFloatLE(p)
            : bits === 8 ? (data.readUInt8(p) - 128) / 128
            : bits === 16 ? data.readInt16LE(p) / 32768
            : bits === 24 ? data.readIntLE(p, 3) / 8388608
            : data.readInt32LE(p) / 2147483648;
        }
        samples[f] = sum / channels;
      }
      return { samples, rate };
    }
    at = body + size + (size % 2);
  }
  throw new AudioUnreadableError('the WAV file has no audio data');
}

/** Averages over each output sample's span when downsampling (a box low-pass), interpolates when upsampling. */
function resample(input: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return input;
  const ratio = from / to;
  const out = new Float32Array(Math.floor(input.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const start = i * ratio;
    if (ratio > 1) {
      const a = Math.floor(start);
      const b = Math.min(input.length, Math.floor(start + ratio));
      let sum = 0;
      for (let k = a; k < b; k++) sum += input[k];
      out[i] = b > a ? sum / (b - a) : input[a] ?? 0;
    } else {
      const a = Math.floor(start);
      const t = start - a;
      out[i] = (input[a] ?? 0) * (1 - t) + (input[a + 1] ?? input[a] ?? 0) * t;
    }
  }
  return out;
}
