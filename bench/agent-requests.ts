// The agent bench's requests: what people ask BabyBot, in English, German, Spanish and French,
// across the tools (memory, tasks of each kind, commands, files, sending a file, and nothing
// at all), each with the effect that answers it, checked mechanically: a fact in MEMORY.md, a
// Temporal Schedule with a sensible spec, a number from the sandbox in the reply, a file
// written, a file sent, no tool run. Never the wording.
import fs from 'node:fs';
import path from 'node:path';
import type { TaskInfo } from '../tasks/task-service.js';
import type { TurnRecord } from '../tests/real-model/turn-steps.js';

export interface Outcome {
  reply: string;
  record: TurnRecord;
  groupDir: string;
  tasks: TaskInfo[];
  /** When the request was sent, in the bench's time zone (UTC). */
  sentAt: Date;
}

export interface BenchRequest {
  id: string;
  lang: 'en' | 'de' | 'es' | 'fr';
  text: string;
  /** The tools that can give the effect; empty: none should run. */
  tools: string[];
  /** Files the group has before the request (relative path → content). */
  files?: Record<string, string>;
  /** A task the group has before the request. */
  task?: { prompt: string; cron: string };
  effect: (o: Outcome) => boolean;
}

const memory = (o: Outcome) => {
  try {
    return fs.readFileSync(path.join(o.groupDir, 'MEMORY.md'), 'utf8');
  } catch {
    return '';
  }
};
const fileText = (o: Outcome, name: string) => {
  try {
    return fs.readFileSync(path.join(o.groupDir, name), 'utf8');
  } catch {
    return '';
  }
};
const ran = (o: Outcome, tool: string) => o.record.tools.some((t) => t.tool === tool && !t.result?.startsWith('Error'));
const hasNumber = (text: string, n: number) => new RegExp(`(^|[^\\d.,])${n}([^\\d]|$)`).test(text);
/** A cron task: its minute, hour and day-of-week fields (month days and months any). */
const cronTask = (o: Outcome, minute: string, hour: string, days: string[]) =>
  o.tasks.length === 1 &&
  o.tasks[0].when.kind === 'cron' &&
  (() => {
    const [m, h, dom, mon, dow] = (o.tasks[0].when as { cron: string }).cron.trim().split(/\s+/);
    return m === minute && h === hour && dom === '*' && mon === '*' && days.includes(dow.toUpperCase());
  })();
const noTool = (o: Outcome) => o.record.tools.length === 0 && o.reply.trim().length > 0;
const NOTES = Array.from({ length: 7 }, (_, i) => `note ${i + 1}: water the plants`).join('\n') + '\n';
const PLANT_TASK = { prompt: 'Remind me to water the plants.', cron: '0 18 * * *' };

export const REQUESTS: BenchRequest[] = [
  // Memory
  { id: 'remember-en', lang: 'en', text: "Remember that my sister's name is Clara.", tools: ['remember'], effect: (o) => /Clara/.test(memory(o)) },
  { id: 'remember-en-2', lang: 'en', text: 'Please keep in mind that I prefer metric units.', tools: ['remember'], effect: (o) => /metric/i.test(memory(o)) },
  { id: 'remember-de', lang: 'de', text: 'Merk dir bitte, dass mein Zahnarzttermin am Freitag ist.', tools: ['remember'], effect: (o) => /Freitag|Friday/i.test(memory(o)) },
  { id: 'remember-es', lang: 'es', text: 'Recuerda que mi color favorito es el verde.', tools: ['remember'], effect: (o) => /verde|green/i.test(memory(o)) },
  { id: 'remember-fr', lang: 'fr', text: 'Souviens-toi que je suis allergique aux noix.', tools: ['remember'], effect: (o) => /noix|nut/i.test(memory(o)) },
  // Tasks of each kind
  {
    id: 'task-cron-en', lang: 'en', text: 'Remind me every weekday at 9am to check my email.', tools: ['schedule_task'],
    effect: (o) => cronTask(o, '0', '9', ['1-5', 'MON-FRI']),
  },
  {
    id: 'task-every-en', lang: 'en', text: 'Every 2 hours, remind me to drink water.', tools: ['schedule_task'],
    effect: (o) =>
      o.tasks.length === 1 &&
      ((o.tasks[0].when.kind === 'every' && o.tasks[0].when.everyMs === 2 * 3600_000) || cronTask(o, '0', '*/2', ['*'])),
  },
  {
    id: 'task-once-en', lang: 'en', text: 'Remind me tomorrow at 10:00 to call the bank.', tools: ['schedule_task'],
    effect: (o) => {
      const when = o.tasks[0]?.when;
      if (o.tasks.length !== 1 || when?.kind !== 'once') return false;
      const tomorrow = new Date(o.sentAt.getTime() + 86_400_000).toISOString().slice(0, 10);
      return when.at.startsWith(`${tomorrow}T10:00`);
    },
  },
  { id: 'task-cron-de', lang: 'de', text: 'Erinnere mich jeden Montag um 8 Uhr an das Team-Meeting.', tools: ['schedule_task'], effect: (o) => cronTask(o, '0', '8', ['1', 'MON']) },
  { id: 'task-cron-es', lang: 'es', text: 'Recuérdame todos los días a las 7 de la mañana que tome mis vitaminas.', tools: ['schedule_task'], effect: (o) => cronTask(o, '0', '7', ['*']) },
  { id: 'task-cron-fr', lang: 'fr', text: 'Rappelle-moi chaque vendredi à 17h de faire les courses.', tools: ['schedule_task'], effect: (o) => cronTask(o, '0', '17', ['5', 'FRI']) },
  {
    id: 'task-list-en', lang: 'en', text: 'What reminders do I have?', tools: ['list_tasks'], task: PLANT_TASK,
    effect: (o) => ran(o, 'list_tasks') && /plant/i.test(o.reply),
  },
  { id: 'task-pause-en', lang: 'en', text: 'Pause my reminder about the plants.', tools: ['list_tasks', 'pause_task'], task: PLANT_TASK, effect: (o) => o.tasks.length === 1 && o.tasks[0].paused },
  { id: 'task-cancel-en', lang: 'en', text: 'Cancel the reminder about watering the plants.', tools: ['list_tasks', 'cancel_task'], task: PLANT_TASK, effect: (o) => o.tasks.length === 0 },
  // Commands in the group's container
  { id: 'command-lines-en', lang: 'en', text: 'How many lines are in the file notes.txt?', tools: ['run_command', 'read_file'], files: { 'notes.txt': NOTES }, effect: (o) => hasNumber(o.reply, 7) },
  { id: 'command-math-en', lang: 'en', text: 'Use the shell to compute 123 * 456.', tools: ['run_command'], effect: (o) => ran(o, 'run_command') && /56[,.]?088/.test(o.reply) },
  {
    id: 'command-max-en', lang: 'en', text: 'What is the largest number in numbers.txt?', tools: ['run_command', 'read_file'],
    files: { 'numbers.txt': '17\n942\n5\n318\n' }, effect: (o) => hasNumber(o.reply, 942),
  },
  { id: 'command-lines-es', lang: 'es', text: '¿Cuántas líneas tiene el archivo lista.txt?', tools: ['run_command', 'read_file'], files: { 'lista.txt': 'pan\nleche\nhuevos\nqueso\n' }, effect: (o) => hasNumber(o.reply, 4) },
  { id: 'command-words-fr', lang: 'fr', text: 'Combien de mots contient le fichier poeme.txt ?', tools: ['run_command', 'read_file'], files: { 'poeme.txt': 'le ciel est bleu ce matin\n' }, effect: (o) => hasNumber(o.reply, 6) },
  { id: 'command-date-de', lang: 'de', text: 'Führe den Befehl "echo $((17 * 3))" aus und sag mir das Ergebnis.', tools: ['run_command'], effect: (o) => ran(o, 'run_command') && hasNumber(o.reply, 51) },
  // Files
  { id: 'file-read-en', lang: 'en', text: 'Read todo.md and tell me the first item.', tools: ['read_file', 'run_command'], files: { 'todo.md': '- buy oat milk\n- fix the bike\n' }, effect: (o) => /oat milk/i.test(o.reply) },
  { id: 'file-write-en', lang: 'en', text: 'Create a file called shopping.txt containing: eggs, bread, milk', tools: ['write_file', 'run_command'], effect: (o) => /eggs/.test(fileText(o, 'shopping.txt')) },
  { id: 'file-write-de', lang: 'de', text: "Schreib 'Hallo Welt' in die Datei gruss.txt.", tools: ['write_file', 'run_command'], effect: (o) => /Hallo Welt/.test(fileText(o, 'gruss.txt')) },
  { id: 'file-list-en', lang: 'en', text: 'Which files are in my folder?', tools: ['list_files', 'run_command'], files: { 'recipes.md': '# Recipes\n' }, effect: (o) => /recipes\.md/.test(o.reply) },
  // Sending a file
  {
    id: 'send-file-en', lang: 'en', text: 'Send me the file report.txt.', tools: ['send_file'], files: { 'report.txt': 'Quarterly report: all good.\n' },
    effect: (o) => o.record.tools.some((t) => t.tool === 'send_file' && t.result?.startsWith('Sent report.txt')),
  },
  {
    id: 'send-file-es', lang: 'es', text: 'Envíame el archivo menu.txt, por favor.', tools: ['send_file'], files: { 'menu.txt': 'sopa, pescado, flan\n' },
    effect: (o) => o.record.tools.some((t) => t.tool === 'send_file' && t.result?.startsWith('Sent menu.txt')),
  },
  // Nothing at all
  { id: 'none-hi-en', lang: 'en', text: 'Hi! How are you?', tools: [], effect: noTool },
  { id: 'none-capital-en', lang: 'en', text: 'What is the capital of France?', tools: [], effect: (o) => noTool(o) && /Paris/.test(o.reply) },
  { id: 'none-morning-de', lang: 'de', text: 'Guten Morgen!', tools: [], effect: noTool },
  { id: 'none-thanks-es', lang: 'es', text: '¡Muchas gracias por tu ayuda!', tools: [], effect: noTool },
  { id: 'none-capital-fr', lang: 'fr', text: "Quelle est la capitale de l'Italie ?", tools: [], effect: (o) => noTool(o) && /Rom/.test(o.reply) },
];
