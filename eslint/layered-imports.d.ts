/** Types of the local ESLint plugin in layered-imports.js (for the tests that run it). */
import type { ESLint } from 'eslint';

/** A layer: a folder or file of the root, a group that may import each other, or siblings kept apart. */
export type LayerEntry = string | { group: string[] } | { apart: string[] };

/** One folder's layers, lowest first. */
export interface LayeredImportsConfig {
  root: string;
  layers: LayerEntry[];
}

declare const plugin: ESLint.Plugin;
export default plugin;
