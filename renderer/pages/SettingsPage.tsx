import { useEffect, useState } from 'react';
import type { SecretName, SecretStatus, SecretStore } from '../../main/common/contracts/bridge.ts';
import type { PageProps } from '../state/route.ts';
import { useApi, useRequest } from '../api/context.tsx';
import { Card, ErrorBanner, PageHeader, Stat } from '../components/ui.tsx';
import { useSettings, type Settings } from '../state/settings.ts';
import { FORM_LIMITS } from './train/config.ts';

/** The engine's limit on training threads (LIMITS.threads in main/engine/config/schema.ts). */
const MAX_THREADS = FORM_LIMITS.threads;

const PROVIDERS: { id: Settings['embeddingProvider']; label: string }[] = [
  { id: 'builtin', label: 'Built-in (trained on the catalog, no download)' },
  { id: 'transformers', label: 'Local ONNX sentence encoder' },
  { id: 'gemini', label: 'Gemini API' },
  { id: 'openai', label: 'OpenAI API' },
];

export function SettingsPage(_props: PageProps) {
  const info = useRequest('workspace.info', undefined);
  const api = useApi();
  const [settings, save] = useSettings();
  const [draft, setDraft] = useState(settings);
  const [saved, setSaved] = useState(false);

  return (
    <>
      <PageHeader title="Settings" />
      <ErrorBanner error={info.error} />
      <Card title="Workspace">
        {info.data && (
          <div className="stats">
            <Stat label="folder" value={<code data-testid="workspace-path">{info.data.path}</code>} />
            <Stat label="engine threads" value={info.data.threads} />
            <Stat label="latest run" value={info.data.latestRunId ?? 'none'} />
            <Stat label="version" value={info.data.version} />
          </div>
        )}
        <p className="muted small">The workspace is chosen when the app starts (`--workspace DIR` or TRAINYARD_WORKSPACE).</p>
      </Card>
      <Card title="Training and embeddings">
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            save(draft);
            setSaved(true);
          }}
        >
          <div className="row">
            <label className="field">
              Training threads (0 = one per core)
              <input
                type="number"
                min={0}
                max={MAX_THREADS}
                step={1}
                value={draft.threads}
                onChange={(e) => setDraft({ ...draft, threads: Math.min(MAX_THREADS, Math.max(0, Math.floor(e.target.valueAsNumber || 0))) })}
                data-testid="settings-threads"
              />
            </label>
            <label className="field">
              Embedding provider
              <select
                value={draft.embeddingProvider}
                onChange={(e) => setDraft({ ...draft, embeddingProvider: e.target.value as Settings['embeddingProvider'] })}
                data-testid="settings-provider"
              >
                {PROVIDERS.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="field" style={{ flex: 1 }}>
              Embedding model (empty = provider default)
              <input
                value={draft.embeddingModel}
                onChange={(e) => setDraft({ ...draft, embeddingModel: e.target.value })}
                placeholder="e.g. Xenova/all-MiniLM-L6-v2"
              />
            </label>
          </div>
          <div className="row">
            <button type="submit" className="primary">
              Save
            </button>
            {saved && (
              <span className="muted" role="status">
                Saved; used by the next training run.
              </span>
            )}
          </div>
        </form>
      </Card>
      <Card title="API keys">
        {api.secrets ? (
          <ApiKeys store={api.secrets} />
        ) : (
          <p className="muted">
            In browser mode, set OPENAI_API_KEY, GEMINI_API_KEY or TRAINYARD_PG_PASSWORD in the environment of `trainyard serve`. The desktop app can store keys
            encrypted with the OS keychain.
          </p>
        )}
      </Card>
    </>
  );
}

/** What protects stored keys, in plain words: the keychain, or why keys cannot be stored. */
function protectionText(status: SecretStatus): string {
  const backend = status.backend ? ` (${status.backend})` : '';
  switch (status.protection) {
    case 'keychain':
      return `Keys are stored encrypted with the OS keychain${backend}; the next job or query uses them, no restart needed.`;
    case 'basic-text':
      return 'No OS keyring is running, so Electron could only obscure keys with a fixed password (basic_text), which protects nothing: keys are not stored. Set OPENAI_API_KEY or GEMINI_API_KEY in the environment of the app, or start a keyring (GNOME Keyring, KWallet) and restart the app.';
    case 'unavailable':
      return 'The OS keychain is not available, so keys cannot be stored. Set OPENAI_API_KEY or GEMINI_API_KEY in the environment of the app.';
  }
}

const SECRETS: { name: SecretName; label: string }[] = [
  { name: 'openai', label: 'openai key' },
  { name: 'gemini', label: 'gemini key' },
  { name: 'postgres', label: 'PostgreSQL password (for imports from a database)' },
];

function ApiKeys({ store }: { store: SecretStore }) {
  const [stored, setStored] = useState<SecretName[]>([]);
  const [status, setStatus] = useState<SecretStatus | null>(null);
  const [values, setValues] = useState<Record<SecretName, string>>({ openai: '', gemini: '', postgres: '' });
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    store.list().then(setStored, setError);
    store.status().then(setStatus, setError);
  }, [store]);
  const update = (p: Promise<void>) => p.then(() => store.list()).then(setStored, setError);
  const canStore = status?.protection === 'keychain';
  return (
    <div className="stack">
      {status && (
        <p className="muted small" data-testid="secrets-protection">
          {protectionText(status)}
        </p>
      )}
      {status?.problem && (
        <div className="error" role="alert" data-testid="secrets-problem">
          {status.problem}
        </div>
      )}
      <ErrorBanner error={error} />
      {SECRETS.map(({ name, label }) => (
        <div key={name} className="row">
          <label className="field" style={{ flex: 1 }}>
            {label} {stored.includes(name) ? '(stored)' : ''}
            <input type="password" autoComplete="off" value={values[name]} onChange={(e) => setValues({ ...values, [name]: e.target.value })} />
          </label>
          <button
            type="button"
            className="secondary"
            disabled={!values[name] || !canStore}
            onClick={() => {
              void update(store.set(name, values[name]));
              setValues({ ...values, [name]: '' });
            }}
          >
            Store
          </button>
          <button type="button" className="danger" disabled={!stored.includes(name)} onClick={() => void update(store.clear(name))}>
            Remove
          </button>
        </div>
      ))}
    </div>
  );
}
