import { useCallback, useEffect, useState } from 'react';

export interface Route {
  page: string;
  param: string | undefined;
}

export type Navigate = (page: string, param?: string) => void;

export function parseHash(hash: string, fallback: string): Route {
  const [page, ...rest] = hash.replace(/^#\/?/, '').split('/');
  return { page: page || fallback, param: rest.length ? decodeURIComponent(rest.join('/')) : undefined };
}

/** Hash routing (`#/runs`, `#/evaluate/run_…`): works from a file:// page in Electron and over HTTP alike. */
export function useRoute(fallback: string): [Route, Navigate] {
  const [route, setRoute] = useState(() => parseHash(window.location.hash, fallback));
  useEffect(() => {
    const onHash = () => setRoute(parseHash(window.location.hash, fallback));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [fallback]);
  const navigate = useCallback<Navigate>((page, param) => {
    window.location.hash = `#/${page}${param ? `/${encodeURIComponent(param)}` : ''}`;
  }, []);
  return [route, navigate];
}

/** What every page receives from the app shell. */
export interface PageProps {
  navigate: Navigate;
  /** the route's parameter, e.g. a run id in #/evaluate/run_… */
  param: string | undefined;
}
