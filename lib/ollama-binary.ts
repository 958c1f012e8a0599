// Finds the `ollama` the embedded server runs: OLLAMA_BIN, then the PATH, then the pinned
// build in the cache; builds it with Go when there is none (the only way on machines that
// reach package registries only), with progress. The recipe (version, cgo flags, the three
// headers a module zip lacks) is scripts/components/ollama-build.sh's, shared with CI.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { isExecutable, onPath } from './executables.js';
import { PACKAGE_DIR } from './package-paths.js';

const BUILD_SCRIPT = path.join(PACKAGE_DIR, 'scripts', 'components', 'ollama-build.sh');

export class OllamaBinaryError extends Error {
  constructor(detail: string) {
    super(
      `No Ollama to run for BabyBot: ${detail}\n` +
        'Do one of these:\n' +
        '  - install Ollama (https://ollama.com) and put `ollama` on the PATH, or set OLLAMA_BIN to it\n' +
        '  - install Go (https://go.dev/dl) and start again: BabyBot builds the pinned Ollama into its cache\n' +
        '  - or start an Ollama yourself and set OLLAMA_HOST to it',
    );
    this.name = 'OllamaBinaryError';
  }
}

/** An existing binary, without building anything; undefined when there is none. */
export function findOllama(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit) {
    if (!isExecutable(explicit)) throw new OllamaBinaryError(`OLLAMA_BIN=${explicit} is not an executable file.`);
    return explicit;
  }
  const found = onPath('ollama', env);
  if (found) return found;
  const cached = spawnSync('bash', [BUILD_SCRIPT, '--cached'], { env, encoding: 'utf8', timeout: 10_000 });
  const binary = cached.status === 0 ? cached.stdout.trim().split('\n').at(-1) : undefined;
  return binary && isExecutable(binary) ? binary : undefined;
}

/** Returns a binary, building the pinned one first when none is found; each progress line goes to `progress`. */
export async function ensureOllama(
  explicit: string | undefined,
  progress: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const found = findOllama(explicit, env);
  if (found) return found;
  progress('No Ollama found (OLLAMA_BIN, PATH, cache): building the pinned one with Go, once.');
  const lines: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        if (lines.length > 40) lines.shift();
        if (line.startsWith('[ollama]')) progress(line);
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const binary = lines.at(-1);
  if (code !== 0 || !binary || !isExecutable(binary)) {
    throw new OllamaBinaryError(`building it failed (exit ${code}):\n${lines.filter((l) => !l.startsWith('[ollama]   …')).slice(-15).join('\n')}`);
  }
  return binary;
}
