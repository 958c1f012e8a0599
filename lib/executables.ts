// Where BabyBot finds the programs it runs itself (the Temporal CLI, `ollama`) and where it
// caches the ones it builds: one lookup for every embedded part.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** BABYBOT_CACHE_DIR, else XDG_CACHE_HOME/babybot, else ~/.cache/babybot (the component scripts agree). */
export function cacheBaseDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BABYBOT_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'babybot');
}

export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
