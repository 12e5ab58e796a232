import { useRef, type ComponentType } from 'react';
import type { TrainyardApi } from '../main/common/contracts/bridge.ts';
import { ApiProvider } from './api/context.tsx';
import { ThemeToggle } from './components/ThemeToggle.tsx';
import { ClassifierPage } from './pages/ClassifierPage.tsx';
import { DataPage } from './pages/DataPage.tsx';
import { EvaluatePage } from './pages/EvaluatePage.tsx';
import { RunsPage } from './pages/RunsPage.tsx';
import { SandboxPage } from './pages/SandboxPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { TrainPage } from './pages/TrainPage.tsx';
import { isFinished, JobsProvider, useJobs } from './state/jobs.tsx';
import { useRoute, type PageProps } from './state/route.ts';

export const PAGES: { id: string; title: string; component: ComponentType<PageProps> }[] = [
  { id: 'data', title: 'Data', component: DataPage },
  { id: 'train', title: 'Train', component: TrainPage },
  { id: 'runs', title: 'Runs', component: RunsPage },
  { id: 'evaluate', title: 'Evaluate', component: EvaluatePage },
  { id: 'sandbox', title: 'Sandbox', component: SandboxPage },
  { id: 'classifier', title: 'Classifier', component: ClassifierPage },
  { id: 'settings', title: 'Settings', component: SettingsPage },
];

export function App({ api }: { api: TrainyardApi }) {
  const [route, navigate] = useRoute('data');
  const page = PAGES.find((p) => p.id === route.page) ?? PAGES[0]!;
  const Page = page.component;
  const main = useRef<HTMLElement>(null);

  return (
    <ApiProvider api={api}>
      <JobsProvider>
        {/* routes live in the hash, so the skip link moves focus instead of following #main */}
        <a
          href="#main"
          className="skip-link"
          onClick={(e) => {
            e.preventDefault();
            main.current?.focus();
          }}
        >
          Skip to the page content
        </a>
        <div className="app" data-testid="app">
          <nav className="nav" aria-label="Pages">
            <h1>Trainyard</h1>
            {PAGES.map((p) => (
              <button key={p.id} type="button" data-testid={`nav-${p.id}`} aria-current={p.id === page.id ? 'page' : undefined} onClick={() => navigate(p.id)}>
                {p.title}
              </button>
            ))}
            <div className="spacer" />
            <RunningJobs
              onOpen={(kind) => navigate(kind === 'classify.train' ? 'classifier' : kind === 'data.import' || kind === 'data.generate' ? 'data' : 'train')}
            />
            <ThemeToggle />
          </nav>
          <main className="main" id="main" ref={main} tabIndex={-1} data-testid={`page-${page.id}`}>
            <Page navigate={navigate} param={route.param} />
          </main>
        </div>
      </JobsProvider>
    </ApiProvider>
  );
}

/** A sidebar note while jobs run, so training in the background is visible from every page. */
function RunningJobs({ onOpen }: { onOpen: (kind: string) => void }) {
  const running = Object.values(useJobs())
    .map((j) => j.info)
    .filter((info) => info !== null && !isFinished(info));
  if (running.length === 0) return null;
  const first = running[0]!;
  const text = running.length === 1 ? `${first.label}…` : `${running.length} jobs running…`;
  return (
    <button
      type="button"
      className="running-jobs"
      onClick={() => onOpen(first.kind)}
      data-testid="running-jobs"
      aria-live="polite"
      aria-label={`${text} (show progress)`}
    >
      <span className="spinner" aria-hidden="true" /> {text}
    </button>
  );
}
