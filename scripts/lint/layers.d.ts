// Types for layers.js (plain JavaScript, so eslint.config.js can load it without a loader).
import type { Rule } from 'eslint';

/** Each folder, and the folders it may import from besides itself. */
export declare const LAYERS: Readonly<Record<string, readonly string[]>>;
export declare function mayImport(from: string, to: string): boolean;
export declare const layersRule: Rule.RuleModule;
