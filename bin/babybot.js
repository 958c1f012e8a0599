#!/usr/bin/env node
// The `babybot` command. BabyBot runs from its TypeScript sources through tsx, so a
// checkout needs no build step: `npx babybot VERB` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
