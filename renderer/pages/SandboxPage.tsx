import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { RecommendMode, RecommendResult, RecommendedItem, SearchResult } from '../../main/common/contracts/api.ts';
import type { PageProps } from '../state/route.ts';
import { BECAUSE_MEANING, MODE_SCORES } from '../state/stage-labels.ts';
import { useCall, useRequest } from '../api/context.tsx';
import { RunPicker, useSelectedRun } from '../components/RunPicker.tsx';
import { Card, EmptyState, ErrorBanner, PageHeader } from '../components/ui.tsx';
import { UserPicker } from './sandbox/UserPicker.tsx';

const MODES: RecommendMode[] = ['baseline', 'cf', 'itemknn', 'ease', 'auto', 'semantic', 'hybrid'];

export function SandboxPage({ param, navigate }: PageProps) {
  const runId = useSelectedRun(param);
  const [similarTo, setSimilarTo] = useState<{ runId: string | undefined; query: SimilarQuery | null }>({ runId, query: null });
  if (similarTo.runId !== runId) setSimilarTo({ runId, query: null });
  const similarQuery = similarTo.runId === runId ? similarTo.query : null;
  const askSimilar = (query: SimilarQuery) => setSimilarTo({ runId, query });
  return (
    <>
      <PageHeader title="Sandbox" subtitle="Ask a trained run for recommendations, similar items and search results">
        <RunPicker value={runId} onChange={(r) => navigate('sandbox', r)} />
      </PageHeader>
      {runId ? (
        // Keyed by run: switching run starts every block afresh, so no answer of one run is shown under another's name.
        <div key={runId}>
          <Recommendations runId={runId} onPick={(item, title) => askSimilar({ item, title, by: similarQuery?.by ?? 'cf' })} />
          <div className="grid-2">
            <Search runId={runId} onPick={(item, title) => askSimilar({ item, title, by: similarQuery?.by ?? 'content' })} />
            <Similar key={similarQuery?.item ?? ''} runId={runId} query={similarQuery} onQuery={askSimilar} />
          </div>
        </div>
      ) : (
        <Card>
          <EmptyState title="No finished run yet">
            <button type="button" className="primary" onClick={() => navigate('train')}>
              Train a model
            </button>
          </EmptyState>
        </Card>
      )}
    </>
  );
}

/** Asks for items similar to an item, naming it by its title when known. */
type OnPick = (item: string, title: string | undefined) => void;

/** How many history events the sandbox lists (the most recent). */
const HISTORY_SHOWN = 20;

function Recommendations({ runId, onPick }: { runId: string; onPick: OnPick }) {
  const callApi = useCall();
  const [user, setUser] = useState('');
  const [k, setK] = useState(10);
  const [modes, setModes] = useState<RecommendMode[]>(['baseline', 'cf']);
  const [results, setResults] = useState<{ user: string; answers: { mode: RecommendMode; result?: RecommendResult; error?: unknown }[] } | null>(null);
  const [busy, setBusy] = useState(false);

  const recommend = (who: string) => {
    if (!who) return;
    setBusy(true);
    // One request per mode; a mode the run cannot answer (e.g. no semantic stage) shows its own error.
    Promise.all(
      modes.map((mode) =>
        callApi('recommend', { run: runId, user: who, k, mode }).then(
          (result) => ({ mode, result }),
          (error: unknown) => ({ mode, error }),
        ),
      ),
    )
      .then((answers) => setResults({ user: who, answers }))
      .finally(() => setBusy(false));
  };
  const ask = (e: FormEvent) => {
    e.preventDefault();
    recommend(user.trim());
  };
  const pick = (who: string) => {
    setUser(who);
    recommend(who);
  };
  const history = results?.answers.find((r) => r.result)?.result;

  return (
    <Card title="Recommendations for a user">
      <form className="row" onSubmit={ask} data-testid="recommend-form">
        <UserPicker runId={runId} value={user} onChange={setUser} onPick={pick} />
        <label className="field">
          K
          <input type="number" min={1} max={100} value={k} onChange={(e) => setK(e.target.valueAsNumber || 10)} style={{ width: 70 }} />
        </label>
        <fieldset className="row">
          <legend>Modes</legend>
          {MODES.map((m) => (
            <label key={m} className="row small">
              <input type="checkbox" checked={modes.includes(m)} onChange={() => setModes(modes.includes(m) ? modes.filter((x) => x !== m) : [...modes, m])} />
              {m}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={busy || !user.trim() || modes.length === 0} data-testid="recommend-submit">
          Recommend
        </button>
      </form>
      {results && (
        <p className="muted small" style={{ marginTop: 16 }} data-testid="recommend-source">
          User {results.user} · run {runId}
        </p>
      )}
      {history && !history.known && (
        <div className="error" role="status" data-testid="unknown-user">
          User “{results?.user}” is not in this run&apos;s data (ids are matched exactly). The lists below are cold-start answers, the same for every unknown
          user.
        </div>
      )}
      {results && (
        <div className="columns" data-testid="recommend-results">
          <div>
            <h4 data-testid="history-heading">
              History, most recent first{' '}
              {!history
                ? ''
                : history.known
                  ? history.history.length > HISTORY_SHOWN
                    ? `(${HISTORY_SHOWN} of ${history.history.length})`
                    : `(${history.history.length})`
                  : '(unknown user: cold start)'}
            </h4>
            {/* the engine lists a user's history most recent first */}
            <ol className="items" data-testid="user-history">
              {(history?.history ?? []).slice(0, HISTORY_SHOWN).map((h) => (
                <li key={`${h.item}-${h.ts}`}>
                  <ItemName item={h.item} title={h.title} category={h.category} onPick={onPick} />{' '}
                  <span className="muted small">{new Date(h.ts * 1000).toISOString().slice(0, 10)}</span>
                </li>
              ))}
            </ol>
          </div>
          {results.answers.map((r) => (
            <div key={r.mode} data-testid={`recs-${r.mode}`}>
              <h4 title={MODE_SCORES[r.result?.usedMode ?? r.mode]}>
                mode {r.mode}
                {r.result && r.result.usedMode !== r.mode && <span className="muted small"> → answered by {r.result.usedMode}</span>}
              </h4>
              {r.result && MODE_SCORES[r.result.usedMode] && (
                <p className="small muted" data-testid={`scores-${r.mode}`}>
                  {MODE_SCORES[r.result.usedMode]}
                </p>
              )}
              <ErrorBanner error={r.error} />
              {r.result && <ItemList items={r.result.items} onPick={onPick} />}
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}

/** An item's title (a button that asks for similar items when `onPick` is given) and its category. */
function ItemName({ item, title, category, onPick }: { item: string; title?: string | undefined; category?: string | undefined; onPick?: OnPick | undefined }) {
  const name = onPick ? (
    <button type="button" className="link" title={`Items similar to ${item}`} onClick={() => onPick(item, title)}>
      {title ?? item}
    </button>
  ) : (
    <span title={item}>{title ?? item}</span>
  );
  return (
    <>
      {name}
      {category && <span className="badge item-category">{category}</span>}
    </>
  );
}

function ItemList({ items, onPick }: { items: RecommendedItem[]; onPick?: OnPick }) {
  if (items.length === 0) return <p className="muted">No items.</p>;
  return (
    <ol className="items">
      {items.map((it) => (
        <li key={it.item} data-testid="rec-item">
          <div>
            <ItemName item={it.item} title={it.title} category={it.category} onPick={onPick} /> <span className="muted small">{it.score.toFixed(3)}</span>
          </div>
          {it.because && it.because.length > 0 && (
            <div className="because" title={BECAUSE_MEANING}>
              because: {it.because.map((b) => `${b.title ?? b.item} (${Math.round(b.weight * 100)}%)`).join(', ')}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

function Search({ runId, onPick }: { runId: string; onPick: OnPick }) {
  const callApi = useCall();
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState('');
  const [hits, setHits] = useState<{ query: string; category: string; found: SearchResult } | null>(null);
  const [error, setError] = useState<unknown>();

  const search = (e: FormEvent) => {
    e.preventDefault();
    if (!query.trim()) return;
    setError(undefined);
    const asked = query.trim();
    const only = category.trim();
    callApi('search', { run: runId, query: asked, k: 10, ...(only ? { filters: { category: only } } : {}) }).then(
      (found) => setHits({ query: asked, category: only, found }),
      (err: unknown) => {
        setHits(null);
        setError(err);
      },
    );
  };
  return (
    <Card title="Semantic search">
      <form className="row" onSubmit={search}>
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Describe what you are looking for"
          aria-label="Search query"
          data-testid="search-input"
          style={{ flex: 1 }}
        />
        <input
          value={category}
          onChange={(e) => setCategory(e.target.value)}
          placeholder="any category"
          aria-label="Only items of the category"
          data-testid="search-category"
          style={{ width: 140 }}
        />
        <button type="submit" className="primary" disabled={!query.trim()}>
          Search
        </button>
      </form>
      <ErrorBanner error={error} />
      {hits && (
        <p className="muted small" data-testid="search-source">
          “{hits.query}”{hits.category ? ` in category ${hits.category}` : ''} · run {runId}
        </p>
      )}
      {hits && <QueryWordsNote words={hits.found.query} found={hits.found.results.length > 0} />}
      {hits && hits.found.results.length > 0 && (
        <ol className="items" data-testid="search-results">
          {hits.found.results.map((h) => (
            <li key={h.item} data-testid="search-hit">
              <div>
                <ItemName item={h.item} title={h.metadata.title} onPick={onPick} /> <span className="muted small">{h.score.toFixed(3)}</span>
              </div>
              <div className="because">
                {Object.entries(h.metadata)
                  .filter(([k]) => k !== 'title')
                  .map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…` : v}`)
                  .join(' · ')}
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

/** No results because the model knows none of the words says so; words it skipped are named beside results. */
function QueryWordsNote({ words, found }: { words: SearchResult['query']; found: boolean }) {
  const unknown = words.unknown.join(', ');
  if (!found && words.used.length === 0)
    return (
      <p className="muted" data-testid="search-no-match">
        No match: {unknown ? `the model knows none of the words ${unknown}.` : 'the query has no words the model can use.'}
      </p>
    );
  if (!found) return <p className="muted">Nothing found.</p>;
  return unknown ? (
    <p className="muted small" data-testid="search-unknown">
      Not in the model&apos;s vocabulary, ignored: {unknown}
    </p>
  ) : null;
}

interface SimilarQuery {
  item: string;
  /** the item's title where it was picked, to name it in the heading */
  title?: string | undefined;
  by: 'cf' | 'content';
}

function Similar({ runId, query, onQuery }: { runId: string; query: SimilarQuery | null; onQuery: (q: SimilarQuery) => void }) {
  const [item, setItem] = useState(query?.item ?? '');
  const [by, setBy] = useState<'cf' | 'content'>(query?.by ?? 'cf');
  const result = useRequest('similar', query ? { run: runId, item: query.item, k: 10, by: query.by } : null);
  // an item picked far up the page (a recommendation, a search hit) gets its answer brought into view
  const card = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (result.data) card.current?.scrollIntoView?.({ behavior: 'smooth', block: 'nearest' });
  }, [result.data]);

  const find = (e: FormEvent) => {
    e.preventDefault();
    if (item.trim()) onQuery({ item: item.trim(), by });
  };
  return (
    <Card title="Similar items">
      <form className="row" onSubmit={find}>
        <input
          value={item}
          onChange={(e) => setItem(e.target.value)}
          placeholder="Item id, or pick an item on the left"
          aria-label="Item id"
          data-testid="similar-input"
        />
        <select value={by} onChange={(e) => setBy(e.target.value as 'cf' | 'content')} aria-label="Similarity by">
          <option value="cf">by co-interaction (ALS)</option>
          <option value="content">by content (embeddings)</option>
        </select>
        <button type="submit" className="primary" disabled={!item.trim()}>
          Find
        </button>
      </form>
      <ErrorBanner error={result.error} />
      {result.data && query && (
        <div data-testid="similar-results" ref={card}>
          <h4 data-testid="similar-source">
            Similar to {query.title ? `“${query.title}” (${query.item})` : query.item}{' '}
            <span className="muted small">
              {query.by === 'content' ? 'by content' : 'by co-interaction'} · run {runId}
            </span>
          </h4>
          <ItemList items={result.data} onPick={(picked, title) => onQuery({ item: picked, title, by })} />
        </div>
      )}
    </Card>
  );
}
