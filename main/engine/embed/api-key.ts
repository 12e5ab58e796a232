import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineError } from '../../common/contracts/errors.ts';

/**
 * An API key from the environment, else from a .env file (parsed, not loaded: process.env and the
 * logs stay untouched). The key lives only in the provider object: never in a run, a log or the manifest.
 */
export function resolveApiKey(variable: string, envFile = '.env'): string {
  const key = findSecret(variable, envFile);
  if (key) return key;
  const path = resolve(envFile);
  throw new EngineError(
    'invalid-input',
    `${variable} is not set: export it, or add the line ${variable}=<your key> to ${path}; or use semantic.provider=builtin, which needs no key`,
    {
      field: variable,
    },
  );
}

/** A secret from the environment, else from a .env file (parsed, not loaded); undefined when neither has it. */
export function findSecret(variable: string, envFile = '.env'): string | undefined {
  const fromEnv = process.env[variable]?.trim();
  if (fromEnv) return fromEnv;
  const path = resolve(envFile);
  return (existsSync(path) && parse(readFileSync(path))[variable]?.trim()) || undefined;
}

/** Replaces every occurrence of the key in text that may reach a log or an error. */
export function redact(text: string, key: string): string {
  return key ? text.split(key).join('[redacted]') : text;
}
