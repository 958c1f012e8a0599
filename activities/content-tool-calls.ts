// Tool calls written into the answer's text. Small models given Ollama's standard template
// (Qwen2.5-Coder among them) often write a correct call as a ```json fenced block, or inside
// <tool_call> tags Ollama did not parse, or as a bare JSON object; Ollama then returns it as
// `message.content` with no `tool_calls`, and without this the person would receive the raw
// call as the answer. Recognised here, in the model activity, because the tools' zod schemas
// live on this side (the workflow bundle carries no zod).
//
// The rule: when the content is, or ends with, calls in one of these forms, each naming an
// offered tool, they are calls, and the text before them stays the step's content. Those whose
// arguments pass the tool's schema are run; the others are not run and the model reads the
// schema's error (ToolCall.rejected), so a person never receives a call the model got
// slightly wrong. Content that is nothing but call-shaped JSON naming a tool that was not
// offered is a call too (the model is told the tools it has).
//
// A person must never receive a raw call, and small models also write one mid-text (a call,
// then a sentence about it), one naming a tool they invented after a sentence, or one that is
// not valid JSON. So, second: an object of exactly the call shape ({name, arguments} and
// nothing else) anywhere in the text, outside a code block of another language, is a call
// too ('json in text'); and text that still carries <tool_call> tags, or a `"name": "<an
// offered tool>"` beside `"arguments"` that is not valid JSON, is an unreadable call the
// model is told to write again ('unreadable call'), never an answer. Anything else (prose
// about JSON, data that is not a {name, arguments} object, code) stays an answer.
import { checkToolArguments } from '../contracts/tools/index.js';
import type { ContentCallForm, ToolCall } from '../contracts/types.js';

/** Beyond this the content is an answer: a call's arguments are bounded far below it anyway. */
const MAX_SCANNED_CHARS = 64_000;
/** The key a call's arguments go under, in the shapes models write: what makes JSON text a call and not data. */
const ARGUMENTS_KEY = /"(arguments|parameters)"\s*:/;
/** Bare JSON: how many `{` from the end are tried as the start of a call object. */
const MAX_BARE_STARTS = 64;

export interface ContentCalls {
  calls: ToolCall[];
  /** The text before the calls (what the model said beside them), trimmed. */
  before: string;
  form: ContentCallForm;
}

interface Candidate {
  raw: string[];
  before: string;
  form: ContentCallForm;
  /** The whole content was these objects (or blocks of them), nothing else. */
  onlyJson?: boolean;
}

/** The calls a model wrote into its content, or undefined when the content is an answer. */
export function recogniseContentCalls(content: string, offered: readonly string[]): ContentCalls | undefined {
  const text = content.trim();
  if (!text || text.length > MAX_SCANNED_CHARS) return undefined;
  const trailing = trailingCalls(text, offered) ?? closedCall(text, offered);
  if (trailing) return trailing;
  // Code of another language shows calls (a program that prints one), it does not make them.
  const prose = withoutForeignCode(text);
  return embeddedCalls(text, prose, offered) ?? unreadableCall(text, prose, offered);
}

/** Calls that are the content or end it, in one of the forms above. */
function trailingCalls(text: string, offered: readonly string[]): ContentCalls | undefined {
  const candidate = trailingTags(text) ?? trailingFences(text) ?? onlyObjects(text) ?? trailingBareObject(text);
  if (!candidate) return undefined;
  let shaped = candidate.raw.map(callShape);
  // Content that is nothing but JSON objects, some of them calls: the others are the model
  // imitating the tool's answer (Qwen2.5-Coder 0.5B wrote `{"response": "Remembered."}` after
  // its call), never something for a person.
  if (candidate.onlyJson && shaped.some((s) => s !== undefined)) shaped = shaped.filter((s) => s !== undefined);
  if (shaped.length === 0 || shaped.some((s) => s === undefined)) return undefined;
  const calls = shaped as { name: string; arguments: unknown }[];
  // Calls that name offered tools are calls even when their arguments are wrong, and so is
  // content that is nothing but call-shaped JSON: a person never reads them; the model is told
  // what was wrong with each (not run) and corrects itself.
  if (candidate.before && !calls.every((call) => offered.includes(call.name))) return undefined;
  return { calls: calls.map((call) => check(call, offered)), before: candidate.before, form: candidate.form };
}

/**
 * The model's words before a call at `at`, without the opening of the code block the call sits
 * in: they may reach the person (an interim message), and a dangling ```json is not words
 * (the 1.5B wrote "For example:\n\n```json\n{…call…}" and more text after it, bench 2026-12-07).
 */
function textBefore(text: string, at: number): string {
  return text.slice(0, at).replace(/```[\w-]*\s*$/, '').trim();
}

/** Objects of exactly the call shape anywhere in the text (outside code of another language): calls, the text before the first kept as content. */
function embeddedCalls(text: string, prose: string, offered: readonly string[]): ContentCalls | undefined {
  const found = topLevelObjects(prose)
    // Mid-text, a call names its arguments: {"name": "x"} alone is a plain object.
    .filter((object) => ARGUMENTS_KEY.test(object.text))
    .map((object) => ({ ...object, call: callShape(object.text) }))
    .filter((object) => object.call !== undefined);
  if (found.length === 0) return undefined;
  return {
    calls: found.map((object) => check(object.call!, offered)),
    before: textBefore(text, found[0].start),
    form: 'json in text',
  };
}

/**
 * An answer without the template's own tags at its start or end: after a tool's result the
 * 1.5B opened its answer with `<tools>` ("<tools>\nThe capital of France is Paris.", bench,
 * 2026-12-07), a tag no person should read. Only the tags at the edges: inside, it is text.
 */
export function withoutTemplateTags(text: string): string {
  return text.replace(/^(?:\s*<\/?(?:tools|tool_call)>)+\s*/, '').replace(/\s*(?:<\/?(?:tools|tool_call)>\s*)+$/, '');
}

/** A call the model meant to make but that cannot be read: told to the model, never sent to a person. */
function unreadableCall(text: string, prose: string, offered: readonly string[]): ContentCalls | undefined {
  const named = /"name"\s*:\s*"([A-Za-z_][\w-]{0,63})"/.exec(prose)?.[1];
  // The template's own wrapper and nothing else (the 1.5B answered "What is the capital of
  // France?" with `<tools></tools>`, bench, 2026-12-07): no words for a person either.
  const onlyTags = /^(?:<\/?tools>\s*)+$/.test(text);
  const tagged = /<\/?tool_call>/.test(prose) || onlyTags;
  const withArguments = named !== undefined && ARGUMENTS_KEY.test(prose);
  // A call to an offered tool anywhere, or content that opens as a call to any name (the 0.5B
  // wrote `{"name": "remember_save_fact", "arguments": {…` with its schema pasted in, unclosed).
  const meantAsCall = withArguments && (offered.includes(named) || /^(```\w*\s*)?\{\s*"name"/.test(prose));
  if (!tagged && !meantAsCall) return undefined;
  const name = named ?? 'tool_call';
  return {
    calls: [
      {
        function: { name, arguments: {} },
        rejected: onlyTags
          ? 'your reply was only the tags <tools></tools>: no call and no words. Answer the person in plain words, or call one of your tools.'
          : 'your reply held a tool call that could not be read (it is not valid JSON). To call a tool, write only the call, ' +
            'as {"name": "<tool>", "arguments": {…}}; to answer the person, write plain words with no call in them.',
      },
    ],
    before: textBefore(text, Math.max(0, text.search(/<tool_call>|<\/?tools>|\{/))),
    form: 'unreadable call',
  };
}

/** The text with code blocks of a language other than JSON blanked (same length), so calls shown as code are not calls. */
function withoutForeignCode(text: string): string {
  return text.replace(/```([\w+-]*)[^\n]*\n[\s\S]*?```/g, (block, language: string) =>
    !language || /^(json|tool_call|tool_code)$/i.test(language) ? block : ' '.repeat(block.length),
  );
}

/**
 * Content that is one call missing only its last closing brackets: the 0.5B ended a delegate
 * call with `]}` and no final `}` (real-model test, 2026-12-07). Closed, it is read as the
 * other forms are; only when the whole content is that one object and nothing is open but
 * brackets (not a string), so prose and cut-off text stay what they were.
 */
function closedCall(text: string, offered: readonly string[]): ContentCalls | undefined {
  if (!text.startsWith('{')) return undefined;
  const open: string[] = [];
  let closedEarly = false;
  const stringLeftOpen = outsideStrings(text, (c) => {
    if (c === '{' || c === '[') open.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      // A mismatch, or closed before the end: not one unclosed object.
      if (open.pop() !== c || open.length === 0) closedEarly = true;
    }
    return !closedEarly;
  });
  if (closedEarly || stringLeftOpen || open.length === 0 || open.length > 3) return undefined;
  return trailingCalls(text + open.reverse().join(''), offered);
}

/** Every balanced top-level {…} in the text that parses as a JSON object, with where it starts. */
function topLevelObjects(text: string): { start: number; text: string }[] {
  const objects: { start: number; text: string }[] = [];
  let depth = 0;
  let start = -1;
  // Quotes in the prose around objects open no string: only inside one.
  outsideStrings(
    text,
    (c, i) => {
      if (c === '{') {
        if (depth++ === 0) start = i;
      } else if (depth > 0 && c === '}' && --depth === 0) {
        const object = text.slice(start, i + 1);
        if (parseObjects(object)?.length === 1) objects.push({ start, text: object });
      }
    },
    () => depth > 0,
  );
  return objects;
}

function check(call: { name: string; arguments: unknown }, offered: readonly string[]): ToolCall {
  const args = isObject(call.arguments) ? call.arguments : {};
  // A name not offered goes through as it is: the workflow answers it with the offered tools' names.
  if (!offered.includes(call.name)) return { function: { name: call.name, arguments: args } };
  const result = checkToolArguments(call.name, args);
  if (result.ok) return { function: { name: call.name, arguments: result.args } };
  return { function: { name: call.name, arguments: args }, rejected: result.error.replace(/^Error: /, '') };
}

/** One or more <tool_call>…</tool_call> at the end (the last one may lack its closing tag: a stop cut it). */
function trailingTags(text: string): Candidate | undefined {
  const pattern = /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)\s*/g;
  const first = text.indexOf('<tool_call>');
  if (first < 0) return undefined;
  const raw: string[] = [];
  pattern.lastIndex = first;
  let end = first;
  for (let match = pattern.exec(text); match && match.index === end; match = pattern.exec(text)) {
    raw.push(...splitObjects(match[1]));
    end = pattern.lastIndex;
    if (end >= text.length) break;
  }
  if (end < text.length || raw.length === 0) return undefined;
  return { raw, before: textBefore(text, first), form: 'tool_call tags', onlyJson: first === 0 };
}

/** One or more fenced blocks (```json, ```tool_call, or bare ```) ending the content. */
function trailingFences(text: string): Candidate | undefined {
  const blocks: string[] = [];
  let rest = text;
  while (rest.endsWith('```')) {
    const close = rest.length - 3;
    const open = rest.lastIndexOf('```', close - 1);
    if (open < 0) break;
    // The opening fence's line may name a language: json, or what some models write for calls.
    const tagged = /^[ \t]*(json|tool_call|tool_code)?[ \t]*\r?\n/i.exec(rest.slice(open + 3, close));
    if (!tagged && rest.slice(open + 3, close).trimStart().charAt(0) !== '{') break;
    const body = rest.slice(open + 3 + (tagged?.[0].length ?? 0), close);
    const objects = splitObjects(body);
    if (objects.length === 0) break;
    blocks.unshift(...objects);
    rest = rest.slice(0, open).trimEnd();
  }
  if (blocks.length === 0) return undefined;
  return { raw: blocks, before: rest.trim(), form: 'json block', onlyJson: !rest.trim() };
}

/** A JSON object (or array of objects) ending the content, with or without text before it. */
function trailingBareObject(text: string): Candidate | undefined {
  if (!text.endsWith('}') && !text.endsWith(']')) return undefined;
  let tried = 0;
  for (let at = text.length - 1; at >= 0 && tried < MAX_BARE_STARTS; at--) {
    const c = text[at];
    if (c !== '{' && c !== '[') continue;
    tried++;
    const objects = parseObjects(text.slice(at));
    if (objects) return { raw: objects, before: textBefore(text, at), form: 'bare json' };
  }
  return undefined;
}

/** A block's calls: one object, an array of them, or several objects one after another. */
function splitObjects(body: string): string[] {
  const trimmed = body.trim();
  if (!trimmed) return [];
  return parseObjects(trimmed) ?? objectStream(trimmed) ?? [trimmed];
}

/** Content that is two or more JSON objects one after another, and nothing else. */
function onlyObjects(text: string): Candidate | undefined {
  const objects = objectStream(text);
  return objects && objects.length > 1 ? { raw: objects, before: '', form: 'bare json', onlyJson: true } : undefined;
}

/** The texts of consecutive top-level JSON objects making up `text` (whitespace between), or undefined. */
function objectStream(text: string): string[] | undefined {
  const objects: string[] = [];
  let depth = 0;
  let start = -1;
  let broken = false;
  const stop = () => {
    broken = true;
    return false;
  };
  const visit = (c: string, i: number) => {
    if (depth === 0 && start < 0) {
      if (/\s/.test(c)) return true;
      if (c !== '{') return stop();
      start = i;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      const object = text.slice(start, i + 1);
      if (!parseObjects(object)) return stop();
      objects.push(object);
      start = -1;
    }
    return true;
  };
  // Quotes open strings only inside an object: one between objects is text, and text is not a stream of objects.
  outsideStrings(text, visit, () => start >= 0);
  return !broken && depth === 0 && start < 0 && objects.length > 0 ? objects : undefined;
}

/**
 * The one scan of JSON text the readers above share: `visit` gets each character outside a
 * string (with its index) and may stop the scan by returning false; a quote opens a string
 * where `quotesOpenStrings` says so. Returns whether a string was left open at the end.
 */
function outsideStrings(text: string, visit: (c: string, i: number) => boolean | void, quotesOpenStrings: () => boolean = () => true): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"' && quotesOpenStrings()) inString = true;
    else if (visit(c, i) === false) break;
  }
  return inString;
}

/** The JSON texts of the objects `text` holds (one, or an array of them), or undefined. */
function parseObjects(text: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) return value.length > 0 && value.every(isObject) ? value.map((v) => JSON.stringify(v)) : undefined;
  return isObject(value) ? [text] : undefined;
}

/**
 * A call in the shapes models write: {"name", "arguments"}, {"name", "parameters"}, or
 * OpenAI's {"type": "function", "function": {"name", "arguments"}}; arguments may be a JSON string.
 */
function callShape(raw: string): { name: string; arguments: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const inner = isObject(value.function) ? value.function : value;
  const keys = Object.keys(inner);
  if (typeof inner.name !== 'string' || !inner.name) return undefined;
  // Only a name and its arguments: an object with other fields is data, not a call.
  if (!keys.every((k) => k === 'name' || k === 'arguments' || k === 'parameters')) return undefined;
  let args = inner.arguments ?? inner.parameters ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return undefined;
    }
  }
  return isObject(args) ? { name: inner.name, arguments: args } : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
