import { EngineError, clipText, throwIfCancelled } from '../../common/contracts/errors.ts';
import { isoDateSeconds, prepareSpecSchema, type PrepareSpec, type PrepareStep } from '../../common/contracts/prepare.ts';
import { sqlText, type Duck } from './duck.ts';
import { DROP_ID_TABLES } from './encode-events.ts';

export { prepareSpecSchema, type PrepareSpec, type PrepareStep } from '../../common/contracts/prepare.ts';

/**
 * Prepares an imported interaction log in SQL. Input: the table `ev(user_id, item_id, rating, ts)`,
 * one row per source event in record order (`rowid` its record number), and, for a `where`, the
 * table `src` with the source's columns as text (`src.rowid = ev.rowid`). `ev` ends up holding the
 * prepared events in record order (filters delete in place, which keeps rowids and is cheaper
 * than rewriting the table).
 * Steps run in a fixed order: where, window, min rating, implicit, user sample, repeats, k-core;
 * one PrepareStep per applied step, after a 'source' row, with the counts left after it. A step
 * that leaves nothing fails naming that step; a refused `where` leaves `ev` as it was.
 */
export async function prepareEvents(duck: Duck, spec: PrepareSpec, signal?: AbortSignal): Promise<PrepareStep[]> {
  const parsed = prepareSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['prepare', ...issue.path].join('.');
    throw new EngineError('invalid-input', `${field}: ${issue.message}`, { field });
  }
  const interrupt = () => duck.conn.interrupt();
  signal?.addEventListener('abort', interrupt);
  try {
    const steps = await runSteps(new Events(duck, signal), parsed.data);
    // the steps delete events: the first events of ids may have changed
    if (steps.length > 1) await duck.conn.run(DROP_ID_TABLES);
    return steps;
  } catch (err) {
    if (signal?.aborted) throw new EngineError('cancelled', 'cancelled');
    throw err;
  } finally {
    signal?.removeEventListener('abort', interrupt);
  }
}

/**
 * What of a spec changes the prepared events, as canonical JSON, for the dataset fingerprint: dates
 * as epoch seconds, the seed only with a sample (0 when not given), no-op values left out; null when
 * the spec changes nothing. Specs that prepare the same events from the same source get the same key.
 */
export function preparationKey(spec: PrepareSpec): string | null {
  const key = {
    where: spec.where?.trim(),
    from: spec.from === undefined ? undefined : isoDateSeconds(spec.from),
    to: spec.to === undefined ? undefined : isoDateSeconds(spec.to),
    minRating: spec.minRating,
    implicit: spec.implicit || undefined,
    sampleUsers: spec.sampleUsers,
    seed: spec.sampleUsers === undefined ? undefined : (spec.seed ?? 0),
    repeats: spec.repeats,
    minUserEvents: (spec.minUserEvents ?? 1) > 1 ? spec.minUserEvents : undefined,
    minItemEvents: (spec.minItemEvents ?? 1) > 1 ? spec.minItemEvents : undefined,
  };
  const json = JSON.stringify(key);
  return json === '{}' ? null : json;
}

async function runSteps(ev: Events, spec: PrepareSpec): Promise<PrepareStep[]> {
  const steps: PrepareStep[] = [{ step: 'source', label: 'as read from the source', ...(await ev.counts()) }];
  const applied = async (step: PrepareStep['step'], label: string, field: string, unchanged = false) => {
    const { events, users, items } = steps.at(-1)!;
    const counts = unchanged ? { events, users, items } : await ev.counts();
    if (counts.events === 0)
      throw new EngineError('invalid-input', `preparation left no events: the step "${label}" removed all ${steps.at(-1)!.events} that were left`, {
        field: `prepare.${field}`,
        step,
        hint: 'loosen that step (or the ones before it) and import again',
      });
    steps.push({ step, label, ...counts });
  };

  if (spec.where !== undefined) {
    await applyWhere(ev, spec.where);
    await applied('where', `where ${clipText(spec.where)}`, 'where');
  }
  if (spec.from !== undefined || spec.to !== undefined) {
    await ev.requireColumn('ts', 'a date window', spec.from !== undefined ? 'from' : 'to', 'timestamps');
    const bounds = [
      ...(spec.from !== undefined ? [`ts >= ${isoDateSeconds(spec.from)}`] : []),
      ...(spec.to !== undefined ? [`ts < ${isoDateSeconds(spec.to)}`] : []),
    ];
    await ev.keepOnly(bounds.join(' AND '));
    const label = [spec.from !== undefined ? `from ${spec.from}` : '', spec.to !== undefined ? `before ${spec.to} (exclusive)` : ''];
    await applied('window', label.filter(Boolean).join(' '), spec.from !== undefined ? 'from' : 'to');
  }
  if (spec.minRating !== undefined) {
    await ev.requireColumn('rating', 'a minimum rating', 'minRating', 'ratings');
    await ev.keepOnly(`rating >= ${spec.minRating}`);
    await applied('min-rating', `rating at least ${spec.minRating}`, 'minRating');
  }
  if (spec.implicit) {
    await ev.run('UPDATE ev SET rating = NULL');
    await applied('implicit', 'ratings dropped: every event is a positive', 'implicit', true);
  }
  if (spec.sampleUsers !== undefined) {
    const seed = spec.seed ?? 0;
    const users = steps.at(-1)!.users;
    const keep = spec.sampleUsers < 1 ? Math.max(1, Math.round(spec.sampleUsers * users)) : Math.min(spec.sampleUsers, users);
    // md5 of (seed, user): the same seed picks the same users on every machine and DuckDB version
    await ev.keepOnly(`user_id IN (SELECT user_id FROM (SELECT DISTINCT user_id FROM ev) ORDER BY md5('${seed}:' || user_id), user_id LIMIT ${keep})`);
    const share = spec.sampleUsers < 1 ? `${+(spec.sampleUsers * 100).toPrecision(6)}% of users` : `${spec.sampleUsers} users`;
    await applied('sample-users', `a sample of ${share} (${keep} of ${users}, seed ${seed})`, 'sampleUsers');
  }
  if (spec.repeats !== undefined) {
    await applyRepeats(ev, spec.repeats);
    await applied('repeats', REPEAT_LABELS[spec.repeats], 'repeats');
  }
  if (spec.minUserEvents !== undefined || spec.minItemEvents !== undefined) {
    const rounds = await applyKCore(ev, spec.minUserEvents ?? 1, spec.minItemEvents ?? 1);
    const least = [
      spec.minUserEvents !== undefined ? `${spec.minUserEvents} events per user` : '',
      spec.minItemEvents !== undefined ? `${spec.minItemEvents} events per item` : '',
    ];
    const label = `at least ${least.filter(Boolean).join(' and ')} (iterated k-core, ${rounds} round${rounds === 1 ? '' : 's'})`;
    await applied('k-core', label, spec.minUserEvents !== undefined ? 'minUserEvents' : 'minItemEvents');
  }
  return steps;
}

const REPEAT_LABELS = {
  latest: 'repeats: the latest event per (user, item)',
  first: 'repeats: the first event per (user, item)',
  count: 'repeats: one event per (user, item), its rating the number of events',
} as const;

/** The event table being prepared, in the schema (temporary or not) it was created in. */
class Events {
  private temporary: boolean | undefined;
  readonly duck: Duck;
  readonly signal: AbortSignal | undefined;
  constructor(duck: Duck, signal: AbortSignal | undefined) {
    this.duck = duck;
    this.signal = signal;
  }

  async rows(sql: string): Promise<Record<string, unknown>[]> {
    throwIfCancelled(this.signal);
    return (await this.duck.conn.runAndReadAll(sql)).getRowObjectsJS();
  }

  async counts(): Promise<{ events: number; users: number; items: number }> {
    const [row] = await this.rows('SELECT count(*) AS events, count(DISTINCT user_id) AS users, count(DISTINCT item_id) AS items FROM ev');
    return { events: Number(row!.events), users: Number(row!.users), items: Number(row!.items) };
  }

  async run(sql: string): Promise<void> {
    throwIfCancelled(this.signal);
    await this.duck.conn.run(sql);
  }

  /** Deletes the events for which `condition` is not true (false or NULL). */
  async keepOnly(condition: string): Promise<void> {
    await this.run(`DELETE FROM ev WHERE (${condition}) IS NOT TRUE`);
  }

  async replace(select: string): Promise<void> {
    this.temporary ??= (await this.rows(`SELECT temporary FROM duckdb_tables() WHERE table_name = 'ev'`))[0]?.temporary === true;
    throwIfCancelled(this.signal);
    await this.duck.conn.run(`CREATE OR REPLACE ${this.temporary ? 'TEMP ' : ''}TABLE ev AS ${select}`);
  }

  /** Refuses a step on a column the log does not have (NULL in every event). */
  async requireColumn(column: 'ts' | 'rating', what: string, field: string, missing: string): Promise<void> {
    const [row] = await this.rows(`SELECT count(${column}) AS n FROM ev`);
    if (Number(row!.n) === 0)
      throw new EngineError('invalid-input', `${what} needs ${missing}, and this log has none`, {
        field: `prepare.${field}`,
        hint: `map the log's ${column === 'ts' ? 'timestamp' : 'rating'} column (--map ${column}=COLUMN) or leave out this step`,
      });
  }
}

/** Keeps the events whose source record satisfies `where`, an SQL expression over the source's columns. */
async function applyWhere(ev: Events, where: string): Promise<void> {
  const columns = (await ev.rows(`SELECT column_name FROM duckdb_columns() WHERE table_name = 'src' ORDER BY column_index`)).map((r) => String(r.column_name));
  const refuse = (reason: string, cause?: string) =>
    new EngineError('invalid-input', `where ${clipText(where)}: ${reason}${cause ? `: ${clipText(cause, 500)}` : ''}`, {
      field: 'prepare.where',
      columns,
      hint: "columns hold the source's text: compare numbers after a cast, e.g. stars::INT >= 3, and quote text values, e.g. country = 'DE'",
    });
  if (!columns.length)
    throw refuse('a where filter needs the source read by its columns (CSV, TSV, JSON, Parquet), and this source was not: filter it before importing');
  const listed = `the source's columns are ${columns.join(', ')}`;
  if (where.includes(';')) throw refuse(`expected one SQL expression, not statements (";" is not allowed); ${listed}`);
  // the statement checked is the one that runs, so nothing in the text can parse differently there
  const query = `SELECT rowid AS kept_pos FROM src WHERE (${where})`;
  const [parsed] = await ev.rows(`SELECT json_serialize_sql(${sqlText(query)}) AS tree`);
  const tree = JSON.parse(String(parsed!.tree)) as SqlTree;
  if (tree.error) throw refuse(`not an SQL expression (${listed})`, tree.error_message);
  if (!isPlainFilter(tree)) throw refuse(`expected one expression over the source's columns, without subqueries; ${listed}`);
  try {
    // a table of its own: a name the source lacks cannot fall through to ev's columns
    await ev.run(`CREATE OR REPLACE TEMP TABLE prepare_kept AS ${query}`);
  } catch (err) {
    if (ev.signal?.aborted) throw err;
    throw refuse(`DuckDB refused it (${listed})`, firstLine(err));
  }
  await ev.keepOnly('rowid IN (SELECT kept_pos FROM prepare_kept)');
  await ev.run('DROP TABLE prepare_kept');
}

interface SqlTree {
  error: boolean;
  error_message?: string;
  statements?: {
    node: { type: string; modifiers: unknown[]; from_table: { type: string; table_name?: string }; group_expressions: unknown[] } & Record<string, unknown>;
  }[];
}

/** One SELECT over src with only a WHERE clause, and no subquery in it (a subquery could read files or other tables). */
function isPlainFilter(tree: SqlTree): boolean {
  const node = tree.statements?.length === 1 ? tree.statements[0]!.node : undefined;
  return (
    node?.type === 'SELECT_NODE' &&
    node.from_table.type === 'BASE_TABLE' &&
    node.from_table.table_name === 'src' &&
    node.modifiers.length === 0 &&
    node.group_expressions.length === 0 &&
    node.having === null &&
    node.qualify === null &&
    !JSON.stringify(node.where_clause).includes('"class":"SUBQUERY"')
  );
}

/** One event per (user, item): the kept one by ts, then record order; count rewrites the table (in record order) with the counts as ratings. */
async function applyRepeats(ev: Events, policy: NonNullable<PrepareSpec['repeats']>): Promise<void> {
  const order = policy === 'first' ? 'ts ASC NULLS LAST, rowid ASC' : 'ts DESC NULLS LAST, rowid DESC';
  const rank = `row_number() OVER (PARTITION BY user_id, item_id ORDER BY ${order})`;
  if (policy !== 'count') return ev.run(`DELETE FROM ev WHERE rowid IN (SELECT rowid FROM ev QUALIFY ${rank} > 1)`);
  await ev.replace(`SELECT user_id, item_id, count(*) OVER (PARTITION BY user_id, item_id)::FLOAT AS rating, ts FROM ev QUALIFY ${rank} = 1 ORDER BY rowid`);
}

/** Drops users and items below their minimum counts, round after round, until none is; returns the rounds that dropped events. */
async function applyKCore(ev: Events, minUser: number, minItem: number): Promise<number> {
  for (let rounds = 0; ; rounds++) {
    const [row] = await ev.rows(
      `DELETE FROM ev WHERE user_id IN (SELECT user_id FROM ev GROUP BY user_id HAVING count(*) < ${minUser})
         OR item_id IN (SELECT item_id FROM ev GROUP BY item_id HAVING count(*) < ${minItem})`,
    );
    if (Number(Object.values(row ?? {})[0] ?? 0) === 0) return rounds;
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
