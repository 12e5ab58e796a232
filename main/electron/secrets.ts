import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import type { SecretName, SecretStatus } from '../common/contracts/bridge.ts';
import { EngineError } from '../common/contracts/errors.ts';

export const SECRET_NAMES: readonly SecretName[] = ['openai', 'gemini', 'postgres'];
// The variables the engine reads: the embedding providers' keys and the PostgreSQL source's password.
const ENV_NAMES: Record<SecretName, string> = { openai: 'OPENAI_API_KEY', gemini: 'GEMINI_API_KEY', postgres: 'TRAINYARD_PG_PASSWORD' };

export function isSecretName(name: unknown): name is SecretName {
  return typeof name === 'string' && (SECRET_NAMES as readonly string[]).includes(name);
}

export interface SecretVault {
  set(name: SecretName, value: string): void;
  clear(name: SecretName): void;
  list(): SecretName[];
  status(): SecretStatus;
  /**
   * Makes the environment the engine's cloud providers read match the vault: stored keys in, cleared
   * ones out. Keys given in the environment at launch win and are left alone. Job workers share this
   * environment and read it when a job starts, so a change applies to the next job without a restart.
   */
  syncEnv(env: NodeJS.ProcessEnv): void;
}

/** Electron's safeStorage; getSelectedStorageBackend exists on Linux only. */
export type Keychain = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

type Stored = Partial<Record<SecretName, string>>;

function selectedBackend(keychain: Keychain): string | undefined {
  try {
    return keychain.getSelectedStorageBackend?.();
  } catch {
    return undefined; // not Linux
  }
}

function protectionOf(keychain: Keychain): Pick<SecretStatus, 'protection' | 'backend'> {
  const backend = selectedBackend(keychain);
  if (!keychain.isEncryptionAvailable()) return { protection: 'unavailable', ...(backend ? { backend } : {}) };
  // Linux without a keyring: Electron "encrypts" with a password built into Chromium, which protects nothing.
  if (backend === 'basic_text') return { protection: 'basic-text', backend };
  return { protection: 'keychain', ...(backend ? { backend } : {}) };
}

function isStored(value: unknown): value is Stored {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.entries(value).every(([k, v]) => isSecretName(k) && typeof v === 'string')
  );
}

/**
 * API keys encrypted with the OS keychain (Electron safeStorage) in one JSON file of base64
 * ciphertexts. Plain text never touches the disk; without keychain encryption nothing is stored.
 * A damaged file is set aside (never deleted) and the app starts with no stored keys.
 */
export function createSecretVault(file: string, keychain: Keychain, launchEnv: NodeJS.ProcessEnv = process.env): SecretVault {
  const problems = new Map<string, string>();
  const fromLaunch = new Set(SECRET_NAMES.filter((n) => launchEnv[ENV_NAMES[n]] !== undefined));

  const load = (): Stored => {
    if (!existsSync(file)) return {};
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      // set aside below
    }
    if (isStored(parsed)) return parsed;
    const aside = `${file}.damaged-${Date.now()}`;
    let kept = `it was kept as ${aside}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      kept = `it could not be moved aside either (${(err as Error).message})`;
    }
    problems.set('file', `${file} could not be read, so no API keys were loaded; ${kept}. Store the keys again.`);
    return {};
  };
  let data = load();
  const write = (next: Stored): void => {
    writeFileSync(`${file}.tmp`, JSON.stringify(next), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    data = next;
  };

  return {
    set(name, value) {
      const { protection } = protectionOf(keychain);
      if (protection !== 'keychain') {
        throw new EngineError(
          'conflict',
          protection === 'basic-text'
            ? 'no OS keyring is running, so Electron could only obscure the key with a fixed password: it is not stored'
            : 'the system keychain is not available, so the key cannot be stored safely',
          {
            hint: `set ${ENV_NAMES[name]} in the environment of the app instead${protection === 'basic-text' ? ', or start a keyring (GNOME Keyring, KWallet) and restart the app' : ''}`,
          },
        );
      }
      if (!value.trim()) throw new EngineError('invalid-input', 'the key is empty');
      write({ ...data, [name]: keychain.encryptString(value.trim()).toString('base64') });
      problems.delete(name);
    },
    clear(name) {
      const { [name]: _gone, ...rest } = data;
      write(rest);
      problems.delete(name);
    },
    list() {
      return SECRET_NAMES.filter((n) => data[n] !== undefined);
    },
    status() {
      const problem = [...problems.values()].join(' ');
      return { ...protectionOf(keychain), ...(problem ? { problem } : {}) };
    },
    syncEnv(env) {
      for (const name of SECRET_NAMES) {
        if (fromLaunch.has(name)) continue;
        const cipher = data[name];
        let value: string | undefined;
        if (cipher !== undefined && keychain.isEncryptionAvailable()) {
          try {
            value = keychain.decryptString(Buffer.from(cipher, 'base64'));
          } catch {
            problems.set(name, `the stored ${name} key could not be decrypted (was the keychain reset?): store it again.`);
          }
        }
        if (value === undefined) delete env[ENV_NAMES[name]];
        else env[ENV_NAMES[name]] = value;
      }
    },
  };
}
