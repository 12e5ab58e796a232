import { useState, type FormEvent } from 'react';
import type { RecommendMode, RecommendResult, RecommendedItem, SearchResult } from '../../main/engine/contracts/api.ts';
import type { PageProps } from '../App.tsx';
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
          <Recommendations runId={runId} onPick={(item) => askSimilar({ item, by: similarQuery?.by ?? 'cf' })} />
          <div className="grid-2">
            <Search runId={runId} />
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

function Recommendations({ runId, onPick }: { runId: string; onPick: (item: string) => void }) {
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
            <h4>History {!history ? '' : history.known ? `(${history.history.length})` : '(unknown user: cold start)'}</h4>
            <ol className="items" data-testid="user-history">
              {(history?.history ?? [])
                .slice(-20)
                .reverse()
                .map((h) => (
                  <li key={`${h.item}-${h.ts}`}>
                    <ItemName item={h.item} title={h.title} onPick={onPick} />{' '}
                    <span className="muted small">{new Date(h.ts * 1000).toISOString().slice(0, 10)}</span>
                  </li>
                ))}
            </ol>
          </div>
          {results.answers.map((r) => (
            <div key={r.mode} data-testid={`recs-${r.mode}`}>
              <h4>
                mode {r.mode}
                {r.result && r.result.usedMode !== r.mode && <span className="muted small"> → answered by {r.result.usedMode}</span>}
              </h4>
              <ErrorBanner error={r.error} />
              {r.result && <ItemList items={r.result.items} onPick={onPick} />}
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}

/** An item's title; a button that asks for similar items when `onPick` is given. */
function ItemName({ item, title, onPick }: { item: string; title?: string | undefined; onPick?: ((item: string) => void) | undefined }) {
  if (!onPick) return <span title={item}>{title ?? item}</span>;
  return (
    <button type="button" className="link" title={`Items similar to ${item}`} onClick={() => onPick(item)}>
      {title ?? item}
    </button>
  );
}

function ItemList({ items, onPick }: { items: RecommendedItem[]; onPick?: (item: string) => void }) {
  if (items.length === 0) return <p className="muted">No items.</p>;
  return (
    <ol className="items">
      {items.map((it) => (
        <li key={it.item} data-testid="rec-item">
          <div>
            <ItemName item={it.item} title={it.title} onPick={onPick} /> <span className="muted small">{it.score.toFixed(3)}</span>
          </div>
          {it.because && it.because.length > 0 && (
            <div className="because">because: {it.because.map((b) => `${b.title ?? b.item} (${Math.round(b.weight * 100)}%)`).join(', ')}</div>
          )}
        </li>
      ))}
    </ol>
  );
}

function Search({ runId }: { runId: string }) {
  const callApi = useCall();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<{ query: string; found: SearchResult } | null>(null);
  const [error, setError] = useState<unknown>();

  const search = (e: FormEvent) => {
    e.preventDefault();
    if (!query.trim()) return;
    setError(undefined);
    const asked = query.trim();
    callApi('search', { run: runId, query: asked, k: 10 }).then(
      (found) => setHits({ query: asked, found }),
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
        <button type="submit" className="primary" disabled={!query.trim()}>
          Search
        </button>
      </form>
      <ErrorBanner error={error} />
      {hits && (
        <p className="muted small" data-testid="search-source">
          “{hits.query}” · run {runId}
        </p>
      )}
      {hits && <QueryWordsNote words={hits.found.query} found={hits.found.results.length > 0} />}
      {hits && hits.found.results.length > 0 && (
        <ol className="items" data-testid="search-results">
          {hits.found.results.map((h) => (
            <li key={h.item} data-testid="search-hit">
              <div>
                {h.metadata.title ?? h.item} <span className="muted small">{h.score.toFixed(3)}</span>
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
  by: 'cf' | 'content';
}

function Similar({ runId, query, onQuery }: { runId: string; query: SimilarQuery | null; onQuery: (q: SimilarQuery) => void }) {
  const [item, setItem] = useState(query?.item ?? '');
  const [by, setBy] = useState<'cf' | 'content'>(query?.by ?? 'cf');
  const result = useRequest('similar', query ? { run: runId, item: query.item, k: 10, by: query.by } : null);

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
      {result.data && (
        <div data-testid="similar-results">
          <p className="muted small" data-testid="similar-source">
            Similar to {query?.item} {query?.by === 'content' ? 'by content' : 'by co-interaction'} · run {runId}
          </p>
          <ItemList items={result.data} onPick={(picked) => onQuery({ item: picked, by })} />
        </div>
      )}
    </Card>
  );
}
