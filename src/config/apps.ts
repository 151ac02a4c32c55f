// The two settings that hold JSON: the apps to put in the registry (JIGUANG_APPS, or a file named by
// JIGUANG_APPS_FILE) and the callers' tokens (GATEWAY_TOKENS). Problems name the entry and the
// field, never a value: the values include master secrets.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CallerConfig } from '../auth/callers.js';

const appSchema = z.object({
  appKey: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be letters and digits'),
  masterSecret: z.string().min(1),
  name: z.string().min(1),
  androidPackage: z.string().min(1),
  groupName: z.string().min(1).nullish(),
});
export type ConfiguredApp = z.infer<typeof appSchema>;

const callerSchema = z.object({
  name: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the token, 64 hex characters (npm run token prints one)'),
  role: z.enum(['reader', 'admin']),
  appKeys: z.array(z.string().min(1)).nullish(),
});

export function readCallers(text: string | undefined, problems: string[]): CallerConfig[] {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push('GATEWAY_TOKENS: is not valid JSON (expected an array of {name, sha256, role, appKeys?})');
    return [];
  }
  const parsed = z.array(callerSchema).min(1).safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`GATEWAY_TOKENS[${issue.path.join('.')}]: ${issue.message}`);
    return [];
  }
  return parsed.data;
}

export function readApps(inline: string | undefined, file: string | undefined, problems: string[]): ConfiguredApp[] {
  let text = inline;
  const source = file ? `JIGUANG_APPS_FILE (${file})` : 'JIGUANG_APPS';
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${source}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return [];
    }
  }
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.push(`${source}: is not valid JSON (expected an array of {appKey, masterSecret, name, androidPackage, groupName?})`);
    return [];
  }
  const parsed = z.array(appSchema).safeParse(json);
  if (!parsed.success) {
    // Paths only, never values: the values include master secrets.
    for (const issue of parsed.error.issues) problems.push(`${source}[${issue.path.join('.')}]: ${issue.message}`);
    return [];
  }
  const seen = new Set<string>();
  for (const app of parsed.data) {
    if (seen.has(app.appKey)) problems.push(`${source}: app ${app.appKey} is listed twice`);
    seen.add(app.appKey);
  }
  return parsed.data;
}
