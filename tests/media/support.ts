// Real media for the media tests: speech spoken by Debian's espeak-ng (WAV, and Ogg Opus
// through opus-tools as WhatsApp sends it), photos made by sharp (with EXIF, to see it
// stripped), a tiny real PDF, and the whisper model scripts/components/whisper.sh makes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export const SPOKEN = 'Please buy milk and bread tomorrow.';

/** WAV and Ogg Opus of the words, spoken by espeak-ng. */
export function speech(words = SPOKEN): { wav: Buffer; ogg: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'babybot-speech-'));
  const wav = path.join(dir, 'speech.wav');
  const ogg = path.join(dir, 'speech.ogg');
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', wav, words]);
  execFileSync('opusenc', ['--quiet', wav, ogg]);
  const out = { wav: fs.readFileSync(wav), ogg: fs.readFileSync(ogg) };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** The whisper model the component script made (CI runs it before the tests). */
export function whisperModel(): string {
  const model = process.env.WHISPER_TEST_MODEL;
  if (!model || !fs.existsSync(model)) {
    throw new Error('WHISPER_TEST_MODEL is not set or missing: run `bash scripts/components/whisper.sh` (npm run test:all does) and source .cache/test-env.sh.');
  }
  return model;
}

/** A real JPEG of the given size carrying EXIF (a GPS-like copyright tag), so stripping can be seen. */
export function photo(width = 2400, height = 1600): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .composite([{ input: Buffer.from(`<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="#2050c0"/></svg>`) }])
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Copyright: 'secret location 51.5N 0.1W', Artist: 'Alice' } })
    .toBuffer();
}

export function sticker(): Promise<Buffer> {
  return sharp({ create: { width: 512, height: 512, channels: 4, background: { r: 0, g: 200, b: 0, alpha: 0.5 } } }).webp().toBuffer();
}

/** A minimal real PDF with one line of text. */
export function pdf(text = 'Quarterly report'): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
