// Someone's text shown inside another message (a quoted reply, a task's prompt in the host's
// note, an error in a notice, an agent's brief): one line, cut short, so it can neither
// break the message it sits in nor grow it.

/** `text` trimmed and at most `maxChars` characters, ending with "…" when cut. */
export function cutTo(text: string, maxChars: number): string {
  const trimmed = text.trim();
  return trimmed.length > maxChars ? `${trimmed.slice(0, Math.max(0, maxChars - 1))}…` : trimmed;
}

/**
 * `text` on one line (runs of whitespace and control characters become one space) and at
 * most `maxChars` characters, ending with "…" when cut.
 */
export function oneLine(text: string, maxChars: number): string {
  return cutTo(text.replace(/[\s\u0000-\u001f\u007f]+/g, ' '), maxChars);
}
