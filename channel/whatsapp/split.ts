// Long replies become several WhatsApp messages, cut where a reader expects a break:
// between paragraphs, else between sentences, else between words. WhatsApp would take
// ~65k characters, but a wall of text that long is unreadable on a phone.
export const PART_LIMIT = 4000;

export function splitForWhatsApp(text: string, limit = PART_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = cutPoint(rest, limit);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** The last good break within the limit, preferring the larger units; never in the first third. */
function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit);
  const floor = Math.floor(limit / 3);
  for (const pattern of [/\n\s*\n/g, /[.!?…]["')\]]*\s/g, /\n/g, /\s/g]) {
    let best = -1;
    for (const match of window.matchAll(pattern)) {
      const end = match.index + match[0].length;
      if (end <= limit) best = end;
    }
    if (best > floor) return best;
  }
  return limit;
}

/**
 * The WhatsApp id of each part: the first keeps the delivery's own id, the others add
 * `P<n>`. Derived, never random, so a retried send reuses the same ids. Delivery ids are
 * hex, so the suffix cannot be mistaken for part of one.
 */
export function partMessageId(messageId: string, index: number): string {
  return index === 0 ? messageId : `${messageId}P${index + 1}`;
}

export function parsePartMessageId(id: string): { messageId: string; index: number } {
  const match = /^(.*)P(\d+)$/.exec(id);
  return match ? { messageId: match[1], index: Number(match[2]) - 1 } : { messageId: id, index: 0 };
}
