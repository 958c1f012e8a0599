// Where BabyBot's own files are, found from this module rather than the working
// directory, so `babybot` works from anywhere.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not import.meta.dirname: BabyBot supports Node 20.3, which lacks the latter.
export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The sandbox's own sources: the agent runner, its Dockerfile, the built-in skills. */
export const CONTAINER_DIR = path.join(PACKAGE_DIR, 'container');
/** The skills that ship with BabyBot (container/skills), mounted read-only into every sandbox. */
export const BUILTIN_SKILLS_DIR = path.join(CONTAINER_DIR, 'skills');
