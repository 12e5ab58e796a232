import { useRef, useState } from 'react';
import type { TrainyardApi } from '../../main/common/contracts/bridge.ts';
import { useApi } from '../api/context.tsx';
import { errorMessage } from '../api/errors.ts';

type Purpose = Parameters<NonNullable<TrainyardApi['chooseFile']>>[0];

/**
 * "Browse…": the desktop app's open dialog, or in a browser a file input whose file is uploaded into
 * the workspace. Either way the engine may read the path handed to `onChosen`; a typed path must be
 * inside the workspace.
 */
export function FilePicker({ purpose, what, onChosen, testId }: { purpose: Purpose; what: string; onChosen: (path: string) => void; testId?: string }) {
  const api = useApi();
  const input = useRef<HTMLInputElement>(null);
  const { busy, error, use } = useFileUse(onChosen);
  const browse = () => {
    if (api.chooseFile) void api.chooseFile(purpose).then((p) => p && onChosen(p));
    else input.current?.click();
  };
  return (
    <>
      <button type="button" className="secondary" style={{ alignSelf: 'flex-end' }} aria-label={`Choose the ${what}`} onClick={browse} disabled={busy}>
        {busy ? 'Uploading…' : 'Browse…'}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        data-testid={testId}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) use(file);
        }}
      />
      {error !== undefined && (
        <span className="error" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </>
  );
}

/** Hands a picked or dropped file to the engine (upload or grant) and reports the path it may read. */
export function useFileUse(onChosen: (path: string) => void): { busy: boolean; error: unknown; use: (file: File) => void } {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const use = (file: File) => {
    setBusy(true);
    setError(undefined);
    api
      .useFile(file)
      .then(onChosen, setError)
      .finally(() => setBusy(false));
  };
  return { busy, error, use };
}
