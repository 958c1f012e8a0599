// How long a piece of audio really is, read from its bytes without decoding anything. A
// WhatsApp voice note says its own length (`seconds`), written by the sender's client, and
// a decoder allocates for what the file holds, not for what it claims: a 16 MB Ogg file of
// tiny Opus packets decodes to hours of samples (gigabytes of floats). So the length is
// taken from the file itself, before a byte is decoded: for Ogg Opus the larger of the
// pages' granule positions and the sum of the packets' own durations (each Opus packet's
// first byte says how many frames of how many ms it holds, which is what a decoder emits,
// whatever the granules claim); for WAV the data chunk's frames.

const OPUS_RATE = 48_000;

export interface AudioLength {
  seconds: number;
  channels: number;
  format: 'ogg-opus' | 'wav';
}

/** The audio's real length, or undefined for bytes that are neither Ogg Opus nor WAV (or are broken). */
export function audioLength(data: Buffer): AudioLength | undefined {
  const magic = data.subarray(0, 4).toString('latin1');
  if (magic === 'OggS') return oggOpusLength(data);
  if (magic === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WAVE') return wavLength(data);
  return undefined;
}

interface OpusStream {
  packets: number;
  samples: number;
  granule: number;
  preSkip: number;
  channels: number;
}

function oggOpusLength(data: Buffer): AudioLength | undefined {
  const streams = new Map<number, OpusStream>();
  let at = 0;
  // Whether the next segment starts a packet (a page may continue the previous page's packet).
  let packetStart = true;
  while (at + 27 <= data.length) {
    if (data.toString('latin1', at, at + 4) !== 'OggS') return undefined;
    const continued = (data[at + 5] & 1) === 1;
    const granule = data.readBigInt64LE(at + 6);
    const serial = data.readUInt32LE(at + 14);
    const segments = data[at + 26];
    const table = at + 27;
    let body = table + segments;
    if (body > data.length) return undefined;
    const stream = streams.get(serial) ?? { packets: 0, samples: 0, granule: 0, preSkip: 0, channels: 1 };
    streams.set(serial, stream);
    if (!continued) packetStart = true;
    for (let i = 0; i < segments; i++) {
      const size = data[table + i];
      if (body + size > data.length) return undefined;
      if (packetStart && size > 0) {
        if (stream.packets === 0) {
          if (data.toString('latin1', body, body + 8) !== 'OpusHead' || size < 19) return undefined;
          stream.channels = data[body + 9];
          stream.preSkip = data.readUInt16LE(body + 10);
        } else if (stream.packets > 1) {
          stream.samples += packetSamples(data[body], size > 1 ? data[body + 1] : 0);
        }
        stream.packets++;
      }
      // A lacing value of 255 means the packet goes on in the next segment.
      packetStart = size < 255;
      body += size;
    }
    // -1: no packet ends on this page.
    if (granule > 0n) stream.granule = Math.max(stream.granule, Number(granule));
    at = body;
  }
  if (streams.size === 0) return undefined;
  let seconds = 0;
  let channels = 1;
  for (const stream of streams.values()) {
    if (stream.packets === 0) return undefined;
    seconds += Math.max(stream.granule - stream.preSkip, stream.samples - stream.preSkip, 0) / OPUS_RATE;
    channels = Math.max(channels, stream.channels);
  }
  return { seconds, channels, format: 'ogg-opus' };
}

/** The samples (at 48 kHz) one Opus packet decodes to, from its TOC byte (RFC 6716 §3.1). */
function packetSamples(toc: number, second: number): number {
  const config = toc >> 3;
  // SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
  const frameMs = config < 12 ? [10, 20, 40, 60][config % 4] : config < 16 ? [10, 20][config % 2] : [2.5, 5, 10, 20][config % 4];
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? second & 0x3f : 2;
  return (frames * frameMs * OPUS_RATE) / 1000;
}

function wavLength(data: Buffer): AudioLength | undefined {
  let at = 12;
  let fmt: { channels: number; rate: number; bits: number } | undefined;
  while (at + 8 <= data.length) {
    const id = data.toString('latin1', at, at + 4);
    const size = data.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ' && body + 16 <= data.length) {
      fmt = { channels: data.readUInt16LE(body + 2), rate: data.readUInt32LE(body + 4), bits: data.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt || fmt.channels < 1 || fmt.rate < 1 || fmt.bits < 8) return undefined;
      const available = Math.min(data.length, size === 0 || size === 0xffffffff ? data.length : body + size) - body;
      const frames = Math.floor(available / ((fmt.bits / 8) * fmt.channels));
      return { seconds: frames / fmt.rate, channels: fmt.channels, format: 'wav' };
    }
    at = body + size + (size % 2);
  }
  return undefined;
}
