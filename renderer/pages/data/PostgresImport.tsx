import { useState, type FormEvent } from 'react';
import type { ImportArgs } from '../../../main/common/contracts/api.ts';
import { useApi } from '../../api/context.tsx';
import { Card, Field } from '../../components/ui.tsx';

const POSTGRES_URL = /^postgres(ql)?:\/\/\S+$/;

/**
 * Import from PostgreSQL: the rows of a query (and of an optional catalogue query) are imported as
 * a file's would be, through the same data.import request. The password never goes through the
 * form: it comes from the keychain (desktop app) or the environment of the host.
 */
export function PostgresImport({ disabled, onImport }: { disabled: boolean; onImport: (args: ImportArgs) => void }) {
  const api = useApi();
  const [url, setUrl] = useState('');
  const [query, setQuery] = useState('');
  const [itemsQuery, setItemsQuery] = useState('');
  const badUrl = url.trim() !== '' && !POSTGRES_URL.test(url.trim());
  const ready = POSTGRES_URL.test(url.trim()) && (query.trim() !== '' || itemsQuery.trim() !== '');
  const passwordFrom = api.secrets
    ? 'the password stored in Settings (OS keychain), or TRAINYARD_PG_PASSWORD / PGPASSWORD in the environment of the app'
    : 'TRAINYARD_PG_PASSWORD or PGPASSWORD in the environment of `trainyard serve`, its .env file, or ~/.pgpass';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    onImport({
      source: { url: url.trim(), ...(query.trim() ? { query: query.trim() } : {}), ...(itemsQuery.trim() ? { itemsQuery: itemsQuery.trim() } : {}) },
    });
  };

  return (
    <Card title="Import from PostgreSQL">
      <form onSubmit={submit} className="stack" data-testid="postgres-import">
        <Field
          label="Connection"
          hint={`postgres://user@host:5432/database; the password comes from ${passwordFrom}, and is never recorded`}
          error={badUrl ? 'a PostgreSQL URL starts with postgres://' : undefined}
        >
          {(control) => (
            <input
              {...control}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="postgres://analyst@localhost:5432/shop"
              autoComplete="off"
              data-testid="postgres-url"
            />
          )}
        </Field>
        <Field label="Interactions query" hint="a select run read-only; name the columns user_id, item_id, rating, timestamp (select customer AS user_id, …)">
          {(control) => (
            <textarea
              {...control}
              rows={3}
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              placeholder="select customer AS user_id, sku AS item_id, stars AS rating, bought_at AS timestamp from orders"
              data-testid="postgres-query"
            />
          )}
        </Field>
        <Field label="Item catalogue query (optional)" hint="one row per item: its id column, then title, description and any other columns">
          {(control) => (
            <textarea {...control} rows={2} value={itemsQuery} onChange={(e) => setItemsQuery(e.target.value)} data-testid="postgres-items-query" />
          )}
        </Field>
        <div className="row">
          <button type="submit" className="secondary" disabled={disabled || !ready} data-testid="postgres-import-start">
            Import from PostgreSQL
          </button>
        </div>
      </form>
    </Card>
  );
}
