// Loads the contract: every schema/*.graphql file, read once at start-up.
import { readdirSync, readFileSync } from 'node:fs';
import { projectPath } from './core/paths.js';

export const SCHEMA_DIR = `${projectPath('schema')}/`;

export function loadTypeDefs(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(SCHEMA_DIR + f, 'utf8'));
}
