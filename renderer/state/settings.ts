import { useCallback, useState } from 'react';

/** Preferences kept in this browser profile; secrets never go here (the desktop app keeps them in safeStorage). */
export interface Settings {
  /** training threads; 0 = one per core */
  threads: number;
  embeddingProvider: 'builtin' | 'transformers' | 'gemini' | 'openai';
  embeddingModel: string;
}

export const DEFAULT_SETTINGS: Settings = { threads: 0, embeddingProvider: 'builtin', embeddingModel: '' };
const KEY = 'trainyard.settings';

export function loadSettings(storage: Storage = localStorage): Settings {
  try {
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(storage.getItem(KEY) ?? '{}') as Partial<Settings>) };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function useSettings(): [Settings, (next: Settings) => void] {
  const [settings, setSettings] = useState(loadSettings);
  const save = useCallback((next: Settings) => {
    localStorage.setItem(KEY, JSON.stringify(next));
    setSettings(next);
  }, []);
  return [settings, save];
}
