import { render, type RenderResult } from '@testing-library/react';
import { App } from '../../renderer/App.tsx';
import { inProcessApi } from './fake-api.ts';
import type { FakeEngine } from './fake-engine.ts';

/** Renders the whole app on `#/<page>` over an in-process bridge to the given engine (jsdom). */
export function renderApp(engine: FakeEngine, page: string): RenderResult {
  window.location.hash = `#/${page}`;
  return render(<App api={inProcessApi(engine)} />);
}
