// Every string the command line prints that someone else wrote (a group's or sender's
// name, a message, a task's prompt, a run's id made from a WhatsApp message id) passes
// through here first. Strangers choose those strings; printed raw, an ANSI escape can
// rewrite the owner's screen, set the window title, hide lines or fake a prompt, a \r can
// overwrite what was printed before, and a bidi override can show a different text than
// the one stored. Each such character is shown as a visible escape (\x1b, \r, \u202e)
// instead: the owner sees that it was there and what it was.

/** C0 controls, DEL, C1 controls, and Unicode's bidi controls and line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export interface TerminalTextOptions {
  /** Keep line breaks and tabs (a chat message's own lines); everything else is still escaped. */
  lines?: boolean;
}

/** The text with every control character shown as an escape, safe to write to a terminal. */
export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  return text.replace(CONTROL, (char) => {
    if (options.lines && (char === '\n' || char === '\t')) return char;
    const named = NAMED[char];
    if (named) return named;
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
