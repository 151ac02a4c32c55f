// The project's folder, where the schema, the client's manifests and package.json live: the nearest
// folder above this module that holds package.json — the same from src/ (tsx) and dist/src/ (the build).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = projectRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the project folder. */
export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}
