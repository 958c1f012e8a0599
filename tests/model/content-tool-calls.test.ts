// Tool calls written into the answer's text, as real models write them: the captured
// outputs of Qwen2.5-Coder 0.5B and 1.5B (tests/model/captured-outputs.ts, recorded from the
// real models through BabyBot's own prompt) and the other forms models use. A call to an
// offered tool is recognised; an answer that only talks about JSON stays an answer.
import { describe, expect, it } from 'vitest';
import { recogniseContentCalls, withoutTemplateTags } from '../../activities/content-tool-calls.js';
import { toolsFor } from '../../contracts/tools/index.js';
import { CAPTURED } from './captured-outputs.js';

const offered = toolsFor(false);

describe('tool calls in the content', () => {
  for (const sample of CAPTURED) {
    it(`captured from ${sample.model}: ${sample.request}`, () => {
      const found = recogniseContentCalls(sample.content, offered);
      if (sample.expect === 'answer') {
        expect(found).toBeUndefined();
      } else {
        expect(found?.form).toBe(sample.expect.form);
        expect(found?.calls.map((c) => ({ name: c.function.name, ok: !c.rejected }))).toEqual(sample.expect.calls);
      }
    });
  }

  it('a ```json block, with text before it: the call runs, the text stays the content', () => {
    const found = recogniseContentCalls('I will note that.\n```json\n{"name": "remember", "arguments": {"note": "Ann likes tea"}}\n```', offered);
    expect(found).toEqual({ form: 'json block', before: 'I will note that.', calls: [{ function: { name: 'remember', arguments: { note: 'Ann likes tea' } } }] });
  });

  it('<tool_call> tags, several, and one cut by a stop before its closing tag', () => {
    const text =
      '<tool_call>\n{"name": "run_command", "arguments": {"command": "ls"}}\n</tool_call>\n' +
      '<tool_call>\n{"name": "read_file", "arguments": {"path": "notes.md"}}';
    const found = recogniseContentCalls(text, offered);
    expect(found?.form).toBe('tool_call tags');
    expect(found?.calls.map((c) => c.function)).toEqual([
      { name: 'run_command', arguments: { command: 'ls' } },
      { name: 'read_file', arguments: { path: 'notes.md' } },
    ]);
  });

  it('a bare object, in the shapes models use: name+arguments, name+parameters, OpenAI function, arguments as a string', () => {
    for (const text of [
      '{"name": "list_tasks", "arguments": {}}',
      '{"name": "list_tasks", "parameters": {}}',
      '{"type": "function", "function": {"name": "list_tasks", "arguments": "{}"}}',
      'Let me look.\n{"name": "list_tasks", "arguments": {}}',
    ]) {
      const found = recogniseContentCalls(text, offered);
      expect(found, text).toMatchObject({ form: 'bare json', calls: [{ function: { name: 'list_tasks', arguments: {} } }] });
    }
  });

  it('several calls in one block (an array, or one per line)', () => {
    const array = '```json\n[{"name": "remember", "arguments": {"note": "a"}}, {"name": "list_tasks", "arguments": {}}]\n```';
    const lines = '```json\n{"name": "remember", "arguments": {"note": "a"}}\n{"name": "list_tasks", "arguments": {}}\n```';
    for (const text of [array, lines]) {
      expect(recogniseContentCalls(text, offered)?.calls.map((c) => c.function.name)).toEqual(['remember', 'list_tasks']);
    }
  });

  it('arguments the schema refuses: a call not run, with the schema error for the model; never an answer', () => {
    const found = recogniseContentCalls('```json\n{"name": "remember", "arguments": {"text": "Ann likes tea"}}\n```', offered);
    expect(found?.calls).toHaveLength(1);
    expect(found?.calls[0].rejected).toMatch(/arguments for remember are not valid[\s\S]*note/);
  });

  it('nothing but a call to a tool that was not offered: a call (the workflow names the tools there are), not an answer', () => {
    const found = recogniseContentCalls('```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```', offered);
    expect(found?.calls.map((c) => c.function.name)).toEqual(['get_weather']);
    // A main-only tool in a non-main group is a tool not offered.
    expect(recogniseContentCalls('{"name": "register_group", "arguments": {}}', offered)?.calls[0].function.name).toBe('register_group');
  });

  it('answers stay answers: prose about JSON, data, code, braces in prose', () => {
    for (const text of [
      'Hello! How can I help you today?',
      'In JSON an object looks like {"key": "value"}, and a list like [1, 2].',
      '```json\n{"city": "Paris", "temperature": 12}\n```',
      '{"city": "Paris"}\n{"city": "Rome"}',
      'Here is the config:\n```json\n{"name": "my-app", "version": "1.0.0"}\n```',
      '```python\nprint({"name": "remember", "arguments": {}})\n```',
      'Use {braces} in a template, and {"name": "x"} is a plain object.',
      'The template lists them between <tools> and </tools>.',
      '',
    ]) {
      expect(recogniseContentCalls(text, offered), text).toBeUndefined();
    }
  });

  it('a call-shaped object anywhere in the text is a call, never an answer: mid-text, a tool the model invented after prose', () => {
    const mid = recogniseContentCalls('Sure. {"name": "remember", "arguments": {"note": "x"}} is how I save it.', offered);
    expect(mid).toMatchObject({ form: 'json in text', before: 'Sure.', calls: [{ function: { name: 'remember', arguments: { note: 'x' } } }] });
    const invented = recogniseContentCalls('You could use this:\n```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```', offered);
    expect(invented?.calls.map((c) => c.function.name)).toEqual(['get_weather']);
    const afterText = recogniseContentCalls('To count them:\n```json\n{"name": "run_command", "arguments": {"command": "wc -l notes.txt"}}\n```\nThis prints the count.', offered);
    // The words before it may reach the person: without the block's opening fence.
    expect(afterText).toMatchObject({ form: 'json in text', before: 'To count them:', calls: [{ function: { name: 'run_command', arguments: { command: 'wc -l notes.txt' } } }] });
  });

  it('a call missing only its last closing brace is read as the call; prose and other unclosed text are not', () => {
    // The 0.5B's delegate call in main (real-model test, 2026-12-07): `]}` and no final `}`.
    const captured = '{"name": "delegate", "arguments": {"tasks": [{"brief": "say hello"}, {"brief": "say goodbye"}]}';
    const read = recogniseContentCalls(captured, toolsFor(true, false));
    expect(read?.calls.map((c) => [c.function.name, c.rejected])).toEqual([['delegate', undefined]]);
    expect(recogniseContentCalls('{"name": "remember", "arguments": {"note": "cut in a str', toolsFor(false, false))?.form).toBe('unreadable call');
    expect(recogniseContentCalls('The object {"a": 1 is not closed.', toolsFor(false, false))).toBeUndefined();
    expect(recogniseContentCalls('{"a": 1} and then {"b": [1', toolsFor(false, false))).toBeUndefined();
  });

  it("an answer opened or closed with the template's own tags reaches the person without them; tags inside stay text", () => {
    // The 1.5B's answer after a run_command result (agent bench, 2026-12-07).
    const captured = '<tools>\nThe capital of France is Paris.';
    expect(recogniseContentCalls(captured, toolsFor(false, false))).toBeUndefined();
    expect(withoutTemplateTags(captured)).toBe('The capital of France is Paris.');
    expect(withoutTemplateTags('<tool_call>\nDone.\n</tool_call>')).toBe('Done.');
    expect(withoutTemplateTags('Write <tools> in the template.')).toBe('Write <tools> in the template.');
    expect(withoutTemplateTags('Plain answer.')).toBe('Plain answer.');
  });

  it('a call that cannot be read (tags left, JSON broken) is told to the model, never sent to a person', () => {
    for (const text of [
      '<tool_call>\n{"name": "remember", "arguments": {"note": "x"\n</tool_call> Done!',
      'I will run it: {"name": "run_command", "arguments": {"command": "wc -l notes.txt"}',
      "{'name': 'remember', 'arguments': {'note': 'x'}} <tool_call>",
      // Captured from the 0.5B (2026-12-07): a name it made up, its schema pasted in, unclosed.
      '{"name": "remember_save_fact", "arguments": {"Save a fact to this chat\'s memory (MEMORY.md) for later conversations. {object <nil> <nil> [note] {"note":{"type":"string","description":"My sister\'s name is Clara."}}}}}',
    ]) {
      const found = recogniseContentCalls(text, offered);
      expect(found?.form, text).toBe('unreadable call');
      expect(found?.calls[0].rejected, text).toMatch(/could not be read/);
    }
    // The template's wrapper alone (the 1.5B's to "What is the capital of France?"): told it said nothing.
    expect(recogniseContentCalls('<tools></tools>', offered)?.calls[0].rejected).toMatch(/^your reply was only the tags <tools><\/tools>: no call and no words\. Answer the person/);
  });

  it('content beyond any call size is an answer, scanned no further', () => {
    const long = `${'x'.repeat(70_000)}\n{"name": "list_tasks", "arguments": {}}`;
    expect(recogniseContentCalls(long, offered)).toBeUndefined();
  });

  it('a prototype name is no tool', () => {
    expect(recogniseContentCalls('Here:\n{"name": "__proto__", "arguments": {}}', offered)?.calls[0].function.name).toBe('__proto__');
    expect(recogniseContentCalls('{"name": "constructor", "arguments": {}}', offered)?.calls[0].function.name).toBe('constructor');
  });
});
