// Sizes in UTF-8 bytes, as Temporal counts them: the one helper every payload bound uses.
import { describe, expect, it } from 'vitest';
import { boundHistory } from '../../activities/history-bytes.js';
import { boundUtf8, utf8Bytes } from '../../contracts/bytes.js';
import { messageRef, NAME_BYTES, nextBatch, PREVIEW_BYTES } from '../../contracts/message-ref.js';

describe('sizes in bytes', () => {
  it('counts what Buffer counts: ASCII 1, accents 2, CJK 3, an emoji 4', () => {
    for (const text of ['hello', 'café', '漢字', '👍🏽 ok', 'a\u{1F600}b', '\uD800 lone surrogate', 'x\uDC00', '\uD83D']) {
      expect(utf8Bytes(text), text).toBe(Buffer.byteLength(text));
    }
  });

  it('cuts within the bound, never through a character, and says how much is missing', () => {
    const cjk = '漢'.repeat(1000);
    const cut = boundUtf8(cjk, 100, (n) => `[+${n}]`);
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(100);
    expect(cut).toMatch(/^漢+\[\+\d+\]$/);
    expect(utf8Bytes(cut.replace(/\[.*$/, '')) + Number(/\d+/.exec(cut)![0])).toBe(3000);
    expect(boundUtf8('😀😀😀', 9)).toBe('😀…'); // 4 + 3 bytes: a second 😀 would make 11
    expect(boundUtf8('short', 100)).toBe('short');
  });

  it('makes a message reference of bounded size, whatever the text and name', () => {
    const ref = messageRef({ id: 'm1', chat: 'local:main', sender: 's', senderName: '名'.repeat(500), text: '漢'.repeat(100_000), timestamp: 't', seq: 1 });
    expect(ref).not.toHaveProperty('text');
    expect(utf8Bytes(ref.preview!)).toBeLessThanOrEqual(PREVIEW_BYTES);
    expect(utf8Bytes(ref.senderName!)).toBeLessThanOrEqual(NAME_BYTES);
  });

  it('takes at most 20 references into a turn, and always the first', () => {
    const refs = Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, chat: 'local:x', sender: 's', timestamp: 't', seq: i }));
    expect(nextBatch(refs)).toHaveLength(20);
    const huge = [{ ...refs[0], id: 'x'.repeat(40_000) }, ...refs];
    expect(nextBatch(huge)).toHaveLength(1);
  });

  it('keeps the newest messages of a history within its bound, each cut to its own', () => {
    const history = Array.from({ length: 30 }, (_, i) => ({ role: 'user' as const, content: `${i}:${'漢'.repeat(20_000)}` }));
    const bounded = boundHistory(history);
    const total = bounded.reduce((sum, m) => sum + utf8Bytes(m.content), 0);
    expect(total).toBeLessThanOrEqual(256 * 1024);
    expect(bounded.at(-1)!.content.startsWith('29:')).toBe(true);
    expect(bounded.every((m) => utf8Bytes(m.content) <= 32 * 1024)).toBe(true);
    expect(bounded.at(-1)!.content).toMatch(/more bytes of this message cut/);
  });
});
