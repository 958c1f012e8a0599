// Sizes as Temporal counts them: in UTF-8 bytes. A payload over 2 MB fails the workflow task
// that carries it (and every retry of it), so whatever a person can grow is bounded in bytes
// where a payload is built, never in string length (a CJK character is 3 bytes, an emoji 4).
// Plain code (no TextEncoder, no Buffer), so workflow code can use it too.

/** The UTF-8 size of a string, in bytes. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += isPair(text, i) ? 2 : 1) bytes += charBytes(text, i);
  return bytes;
}

/** A high surrogate followed by a low one: one 4-byte character in two UTF-16 units. */
const isPair = (text: string, i: number) => {
  const code = text.charCodeAt(i);
  const next = text.charCodeAt(i + 1);
  return code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
};

/** The UTF-8 size of the character at i (a lone surrogate is written as U+FFFD, 3 bytes). */
function charBytes(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 0x80 ? 1 : code < 0x800 ? 2 : isPair(text, i) ? 4 : 3;
}

/** The longest start of `text` that fits in `maxBytes`, never cutting a character in two. */
function utf8Prefix(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const size = charBytes(text, i);
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += isPair(text, i) ? 2 : 1;
  }
  return text.slice(0, i);
}

/**
 * `text` bounded to `maxBytes` of UTF-8. A cut text ends with `marker` (given the number of
 * bytes left out), the whole within the bound, so the reader knows something is missing.
 */
export function boundUtf8(text: string, maxBytes: number, marker: (cutBytes: number) => string = () => '…'): string {
  const total = utf8Bytes(text);
  if (total <= maxBytes) return text;
  // The marker's size depends on the number in it: reserve for the widest it can be.
  const note = marker(total);
  const kept = utf8Prefix(text, Math.max(0, maxBytes - utf8Bytes(note)));
  return `${kept}${marker(total - utf8Bytes(kept))}`;
}

/** The size of a value as a JSON payload: what the default data converter sends. */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? '');
}
