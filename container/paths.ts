// Where the sandbox's own files are, found from this module rather than the working
// directory, so `babybot` works from anywhere.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTAINER_DIR = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE_DIR = path.dirname(CONTAINER_DIR);
export const SKILLS_DIR = path.join(CONTAINER_DIR, 'skills');
