/**
 * The controller's configuration, resolved from the settings table (settings.ts):
 * a flag wins over its environment variable, the variable over the default.
 * Validation errors name the flag and the variable, so a bad deployment fails at
 * start-up with a message that says what to fix.
 */
import type { z } from 'zod';
import { defaultText, settings, type Setting, type SettingKey } from './settings.ts';

type ValueOf<S> = S extends Setting<infer T, infer D> ? z.output<T> | (D extends undefined ? undefined : never) : never;

/** Every setting of `berth controller`, parsed; see settings.ts for what each means. */
export type ControllerConfig = { [K in SettingKey]: ValueOf<(typeof settings)[K]> };

/** Setting -> its environment variable, for error messages and the CLI's help. */
export const environmentNames = Object.fromEntries(
  Object.entries(settings).map(([key, row]) => [key, row.env]),
) as { [K in SettingKey]: (typeof settings)[K]['env'] };

/** Setting -> the `berth controller` flag that sets it (null: environment only). */
export const flagNames = Object.fromEntries(
  Object.entries(settings).map(([key, row]) => [key, row.flag === null ? null : `--${row.flag}`]),
) as Record<SettingKey, string | null>;

export type RawControllerConfig = Partial<Record<SettingKey, string | undefined>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Flags win over the environment; the environment over defaults. */
export function resolveControllerConfig(flags: RawControllerConfig, env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const resolved: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, row] of Object.entries(settings) as [SettingKey, Setting][]) {
    const given = [flags[key], env[row.env]].find((value) => value !== undefined && value !== '');
    const text = given ?? defaultText(row);
    if (text === undefined) {
      resolved[key] = undefined;
      continue;
    }
    const parsed = row.parse.safeParse(text);
    if (parsed.success) {
      resolved[key] = parsed.data;
      continue;
    }
    const where = row.flag === null ? row.env : `--${row.flag} (${row.env})`;
    for (const issue of parsed.error.issues) problems.push(`${where}: ${issue.message}`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  // Each value was parsed by its own row's schema, which is what ControllerConfig is made of.
  return resolved as ControllerConfig;
}
