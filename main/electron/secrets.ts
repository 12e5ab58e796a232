import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import type { SecretName } from '../engine/contracts/bridge.ts';
import { EngineError } from '../engine/contracts/errors.ts';

export const SECRET_NAMES: readonly SecretName[] = ['openai', 'gemini'];
const ENV_NAMES: Record<SecretName, string> = { openai: 'OPENAI_API_KEY', gemini: 'GEMINI_API_KEY' };

export function isSecretName(name: unknown): name is SecretName {
  return typeof name === 'string' && (SECRET_NAMES as readonly string[]).includes(name);
}

export interface SecretVault {
  set(name: SecretName, value: string): void;
  clear(name: SecretName): void;
  list(): SecretName[];
  /** Puts every stored key into the environment the engine's cloud providers read. */
  exportToEnv(env: NodeJS.ProcessEnv): void;
}

/**
 * API keys encrypted with the OS keychain (Electron safeStorage) in one JSON file of base64
 * ciphertexts. Plain text never touches the disk; without keychain encryption nothing is stored.
 */
export function createSecretVault(file: string, safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>): SecretVault {
  const read = (): Partial<Record<SecretName, string>> => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<SecretName, string>>) : {});
  const write = (data: Partial<Record<SecretName, string>>): void => {
    writeFileSync(`${file}.tmp`, JSON.stringify(data), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  return {
    set(name, value) {
      if (!safeStorage.isEncryptionAvailable()) throw new EngineError('conflict', 'the system keychain is not available, so the key cannot be stored safely', { hint: `set ${ENV_NAMES[name]} in the environment instead` });
      if (!value.trim()) throw new EngineError('invalid-input', 'the key is empty');
      write({ ...read(), [name]: safeStorage.encryptString(value.trim()).toString('base64') });
    },
    clear(name) {
      const data = read();
      delete data[name];
      write(data);
    },
    list() {
      return SECRET_NAMES.filter((n) => read()[n] !== undefined);
    },
    exportToEnv(env) {
      if (!safeStorage.isEncryptionAvailable()) return;
      const data = read();
      for (const name of SECRET_NAMES) {
        const cipher = data[name];
        if (cipher !== undefined && env[ENV_NAMES[name]] === undefined) env[ENV_NAMES[name]] = safeStorage.decryptString(Buffer.from(cipher, 'base64'));
      }
    },
  };
}
