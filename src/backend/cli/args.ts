/**
 * Command-line parsing on node's util.parseArgs, with its errors turned into usage errors
 * that show the command's usage instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseCommandLine(
  args: string[],
  options: Options,
  usage: string,
  positionals: number
): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    throw new UserError(`${(error as Error).message}\n\n${usage}`, 2);
  }
  if (parsed.positionals.length !== positionals) {
    const expected = positionals === 0 ? 'no arguments' : `${positionals} argument(s)`;
    throw new UserError(
      `expected ${expected}, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}\n\n${usage}`,
      2
    );
  }
  return parsed;
}

export function requiredString(parsed: Parsed, name: string, usage: string): string {
  const value = parsed.values[name];
  if (typeof value !== 'string' || value === '') {
    throw new UserError(`--${name} is required\n\n${usage}`, 2);
  }
  return value;
}

export function optionalNumber(
  parsed: Parsed,
  name: string,
  check: (value: number) => boolean,
  expected: string
): number | undefined {
  const text = parsed.values[name];
  if (typeof text !== 'string') {
    return undefined;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new UserError(`--${name} must be ${expected}, got '${text}'`, 2);
  }
  return value;
}

export function oneOf<T extends string>(
  parsed: Parsed,
  name: string,
  choices: readonly T[],
  fallback: T
): T {
  const value = parsed.values[name];
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new UserError(`--${name} must be one of ${choices.join(', ')}, got '${value}'`, 2);
  }
  return value as T;
}
