import type { DataWarning } from '../../common/contracts/api.ts';
import { clipText, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import { futureLimit, interactionColumns, type InteractionColumns } from './columns.ts';
import { positions, readRow, sqlName, sqlText, tableFromColumns, type Duck } from './duck.ts';
import { buildIdTables, DROP_ID_TABLES } from './encode-events.ts';
import { detectLayout, type FileLayout } from './layout.ts';
import { futureWarning, readRawEvents, refuseEmptyLog } from './read-interactions.ts';
import { MAX_RECORD_BYTES, openRecords } from './records.ts';

/**
 * An interaction log read into DuckDB as the table `ev(user_id, item_id, rating, ts)`: one row per
 * source event in file order, so `ev.rowid` is the event's record number (deletes keep rowids),
 * items outside the catalog dropped, timestamps in epoch seconds. With `sourceColumns`, the table
 * `src` holds every source column as text (`src.rowid = ev.rowid`) for filters over columns the
 * import does not map.
 */
export interface EventsSource {
  layout: string;
  columns: string[];
  rowsRead: number;
  unknownItems: number;
  unknownExamples: string[];
  warnings: DataWarning[];
  /** whether DuckDB read the file (false when the line-by-line reader did: then there is no `src`) */
  readByDuckDB: boolean;
}

export interface EventsOptions {
  map?: Record<string, string>;
  /** catalog item ids: events of other items are dropped */
  catalogIds?: string[];
  /** keep every source column as text in `src` (a preparation's `where` filters on them) */
  sourceColumns?: boolean;
}

/**
 * Reads an interaction file into `ev`. DuckDB reads delimited text, JSON lines and Parquet in parallel and
 * types every value in the same pass; a file it cannot read or a value its checks do not accept exactly as
 * the line-by-line reader would goes to that reader instead, which names the file, line, column
 * and what to do for every refused value, or accepts what DuckDB's stricter checks did not.
 */
export async function readEventsTable(duck: Duck, path: string, opts: EventsOptions, ctx: TaskContext): Promise<EventsSource> {
  const layout = await detectLayout(path);
  const reader = await openRecords(path, layout);
  const columns = reader.columns;
  await reader.close();
  const cols = interactionColumns(path, columns, opts.map);
  await loadCatalogIds(duck, opts.catalogIds);
  ctx.progress({ stage: 'import', current: 0, total: 2, unit: 'steps' });
  const relation = await sourceRelation(duck, path, layout, columns, cols);
  const from = relation && (await keepSource(duck, relation, !!opts.sourceColumns));
  const fast = from !== null && (await checkedEvents(duck, from, path, layout, columns, cols, !!opts.catalogIds, ctx));
  throwIfCancelled(ctx.signal);
  const source = fast || (await eventsFromLineReader(duck, path, opts, ctx));
  ctx.progress({ stage: 'import', current: 2, total: 2, unit: 'steps' });
  return source;
}

/**
 * The relation DuckDB reads the file through, every source column as text under the names of
 * srcNames; null for layouts it does not read.
 */
async function sourceRelation(duck: Duck, path: string, layout: FileLayout, columns: string[], cols: InteractionColumns): Promise<string | null> {
  if (layout.kind === 'delimited') {
    if (layout.reshape || layout.encoding !== 'utf-8') return null;
    const names = `{${srcNames(columns)
      .map((c) => `${sqlText(c)}: 'VARCHAR'`)
      .join(', ')}}`;
    return `read_csv(${sqlText(path)}, delim = ${sqlText(layout.delimiter)}, quote = ${sqlText(layout.quote ? '"' : '')}, escape = ${sqlText(layout.quote ? '"' : '')},
      header = ${layout.columns === null}, columns = ${names}, auto_detect = false, strict_mode = true, null_padding = false,
      max_line_size = ${MAX_RECORD_BYTES}, parallel = true)`;
  }
  if (layout.kind === 'parquet') {
    if (!(await parquetTextSafe(duck, path, columns, cols))) return null;
    const names = srcNames(columns);
    return `(SELECT ${columns.map((c, k) => `CAST(${sqlName(c)} AS VARCHAR) AS ${sqlName(names[k]!)}`).join(', ')} FROM read_parquet(${sqlText(path)}))`;
  }
  // JSON lines: columns are the first object's keys (as the line reader takes them), each read as
  // JSON and turned into the line reader's text (jsonText).
  const names = srcNames(columns);
  const json = `{${columns.map((c) => `${sqlText(c)}: 'JSON'`).join(', ')}}`;
  const ids = new Set([cols.user, cols.item]);
  return `(SELECT ${columns.map((c, k) => `${jsonText(sqlName(c), ids.has(k))} AS ${sqlName(names[k]!)}`).join(', ')}
      FROM read_json(${sqlText(path)}, format = 'newline_delimited', columns = ${json}, maximum_object_size = ${MAX_RECORD_BYTES}))`;
}

/** The relation `ev` is typed from: the file itself, or with `keep` the table `src` read from it (null when DuckDB could not read it). */
async function keepSource(duck: Duck, relation: string, keep: boolean): Promise<string | null> {
  if (!keep) return relation;
  try {
    await duck.conn.run(`CREATE OR REPLACE TABLE src AS SELECT * FROM ${relation}`);
    return 'src';
  } catch {
    await duck.conn.run('DROP TABLE IF EXISTS src');
    return null;
  }
}

/**
 * A JSON value as the line reader's text: a string as itself, an integer or boolean in its plain
 * form, null or a missing key as empty, an object or array as JSON. A number whose text JavaScript
 * would write differently (a fraction or exponent, or an integer beyond 2^53) is left empty in an
 * id column, so the checks hand the file to the line reader; elsewhere it is only ever parsed as a
 * number, which gives the same value either way.
 */
function jsonText(v: string, id: boolean): string {
  const type = `json_type(${v})`;
  const exactInteger = `(${type} IN ('BIGINT', 'UBIGINT') AND abs(TRY_CAST(${v} AS DOUBLE)) <= 9007199254740991)`;
  return `CASE WHEN ${v} IS NULL OR ${type} = 'NULL' THEN NULL WHEN ${type} = 'VARCHAR' THEN ${v} ->> '$'
    ${id ? `WHEN ${type} IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND NOT ${exactInteger} THEN NULL` : ''} ELSE CAST(${v} AS VARCHAR) END`;
}

/**
 * The names of `src`'s columns: the source's own, so a preparation's `where` can use them, unless
 * DuckDB could not tell them apart (it compares names without case) or one is empty or `rowid`;
 * then c0, c1, … for all.
 */
function srcNames(columns: string[]): string[] {
  const folded = columns.map((c) => c.toLowerCase());
  const usable = folded.every((c, k) => c !== '' && c !== 'rowid' && folded.indexOf(c) === k);
  return usable ? columns : columns.map((_, k) => `c${k}`);
}

/**
 * Whether the mapped Parquet columns turn into the same text in DuckDB as in the line reader:
 * strings, integers and timestamps without a zone do; a floating-point id (42.0 against 42) does not.
 */
async function parquetTextSafe(duck: Duck, path: string, columns: string[], cols: InteractionColumns): Promise<boolean> {
  let types: string[];
  try {
    const reader = await duck.conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlText(path)})`);
    types = reader.getColumnsObjectJS().column_type!.map(String);
  } catch {
    return false;
  }
  if (types.length !== columns.length) return false;
  const idLike = /^(VARCHAR|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;
  const valueLike = /^(VARCHAR|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|FLOAT|DOUBLE)$/;
  const timeLike = /^(TIMESTAMP|TIMESTAMP_MS|TIMESTAMP_S|DATE)$/;
  return (
    idLike.test(types[cols.user]!) &&
    idLike.test(types[cols.item]!) &&
    (valueLike.test(types[cols.ts]!) || timeLike.test(types[cols.ts]!)) &&
    (cols.rating === null || valueLike.test(types[cols.rating]!))
  );
}

// The line reader's rules (columns.ts) in SQL. A number is what DuckDB's cast to DOUBLE reads (it
// accepts what the line reader's decimal pattern does, and also "inf", "nan" and digits split by
// "_": those are left unread here, or fail the range checks, and go to the line reader). A decimal
// timestamp is epoch seconds, milliseconds or microseconds by its size; an ISO date is rebuilt as
// the line reader rebuilds it (fraction cut to milliseconds, a missing zone read as UTC) before
// DuckDB converts it.
const ISO = `'^(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?)?\\s*([Zz]|[+-]\\d{2}:?\\d{2})?$'`;
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;
const MAX_RATING = 3.4e38;

const numberSql = (t: string) => `CASE WHEN NOT contains(${t}, '_') THEN TRY_CAST(${t} AS DOUBLE) END`;

/** Epoch seconds from `t`, the text, and `n`, its numberSql. */
function timestampSql(t: string, n: string): string {
  const v = `trim(${t})`;
  const g = (k: number) => `regexp_extract(${v}, ${ISO}, ${k})`;
  const or = (k: number, dflt: string) => `coalesce(nullif(${g(k)}, ''), '${dflt}')`;
  const zone = `CASE WHEN ${g(8)} = '' OR upper(${g(8)}) = 'Z' THEN '+00:00' WHEN length(${g(8)}) = 5 THEN substr(${g(8)}, 1, 3) || ':' || substr(${g(8)}, 4) ELSE ${g(8)} END`;
  const fraction = `CASE WHEN ${g(7)} = '' THEN '' ELSE '.' || substr(${g(7)}, 1, 3) END`;
  const iso = `${g(1)} || '-' || ${g(2)} || '-' || ${g(3)} || ' ' || ${or(4, '00')} || ':' || ${or(5, '00')} || ':' || ${or(6, '00')} || ${fraction} || ${zone}`;
  const clock = `(${or(4, '00')}::INTEGER <= 23 AND ${or(5, '00')}::INTEGER <= 59 AND ${or(6, '00')}::INTEGER <= 59)`;
  const epoch = `CASE WHEN abs(${n}) < 1e11 THEN ${n} WHEN abs(${n}) < 1e14 THEN ${n} / 1e3 ELSE ${n} / 1e6 END`;
  return `CASE WHEN ${n} IS NOT NULL THEN ${epoch}
    WHEN regexp_full_match(${v}, ${ISO}) AND ${clock} THEN epoch_ms(TRY_CAST(${iso} AS TIMESTAMPTZ)) / 1e3 END`;
}

/**
 * Builds `ev` from `from` (typing every value in the pass that reads it) when every value passes
 * the checks; false (and no `ev`) when DuckDB could not read the file or any value needs the line
 * reader: an empty or control-character id, a timestamp or rating it cannot read. Items outside
 * the catalog are counted, named and dropped.
 */
async function checkedEvents(
  duck: Duck,
  from: string,
  path: string,
  layout: FileLayout,
  columns: string[],
  cols: InteractionColumns,
  closed: boolean,
  ctx: TaskContext,
): Promise<EventsSource | false> {
  const names = srcNames(columns);
  const c = (k: number) => `coalesce(${sqlName(names[k]!)}, '')`;
  const rating = cols.rating === null ? 'NULL::DOUBLE' : numberSql(c(cols.rating));
  try {
    await duck.conn.run(`CREATE OR REPLACE TABLE ev AS
      SELECT user_id, item_id, CASE WHEN abs(r) <= ${MAX_RATING} THEN r::FLOAT END AS rating, ${timestampSql('t', 'n')} AS ts
      FROM (SELECT ${c(cols.user)} AS user_id, ${c(cols.item)} AS item_id, ${rating} AS r, ${c(cols.ts)} AS t, ${numberSql(c(cols.ts))} AS n FROM ${from})`);
  } catch {
    await duck.conn.run('DROP TABLE IF EXISTS ev; DROP TABLE IF EXISTS src');
    return false;
  }
  // the checks count what the typing could not read, and look for control characters in the distinct ids only
  await buildIdTables(duck);
  const checked = await readRow(
    duck,
    `SELECT
      (SELECT count(*) FILTER (user_id = '' OR item_id = '' OR ts IS NULL OR NOT (ts BETWEEN ${MIN_SECONDS} AND ${MAX_SECONDS})
        ${cols.rating === null ? '' : 'OR rating IS NULL'}) FROM ev)
      + (SELECT count(*) FROM ev_users WHERE regexp_matches(user_id, '[\\x00-\\x1f\\x7f]'))
      + (SELECT count(*) FROM ev_items WHERE regexp_matches(item_id, '[\\x00-\\x1f\\x7f]')) AS bad,
      (SELECT count(*) FROM ev) AS n`,
  );
  if (Number(checked.bad) > 0) {
    await duck.conn.run(`DROP TABLE ev; DROP TABLE IF EXISTS src; ${DROP_ID_TABLES}`);
    return false;
  }
  throwIfCancelled(ctx.signal);
  const rowsRead = Number(checked.n);
  const unknown = closed ? await unknownItems(duck) : { count: 0, examples: [] };
  if (unknown.count) await duck.conn.run(`DELETE FROM ev WHERE item_id NOT IN (SELECT id FROM catalog_ids); ${DROP_ID_TABLES}`);
  refuseEmptyLog(path, rowsRead - unknown.count, unknown);
  const warnings = await futureEvents(duck, path, layout, cols.ts, columns[cols.ts] ?? `#${cols.ts + 1}`);
  return {
    layout: layout.name,
    columns,
    rowsRead,
    unknownItems: unknown.count,
    unknownExamples: unknown.examples,
    warnings,
    readByDuckDB: true,
  };
}

async function unknownItems(duck: Duck): Promise<{ count: number; examples: string[] }> {
  const reader = await duck.conn.runAndReadAll(`SELECT item_id FROM ev_items WHERE item_id NOT IN (SELECT id FROM catalog_ids) ORDER BY first LIMIT 10`);
  const rows = reader.getRowObjectsJS();
  const examples: string[] = [];
  for (const r of rows) if (examples.length < 5 && !examples.includes(clipText(String(r.item_id)))) examples.push(clipText(String(r.item_id)));
  const count = Number((await readRow(duck, 'SELECT count(*) AS n FROM ev WHERE item_id NOT IN (SELECT id FROM catalog_ids)')).n);
  return { count, examples };
}

/** The warning for events later than tomorrow, naming the first one's line and text (found by the line reader, only then). */
async function futureEvents(duck: Duck, path: string, layout: FileLayout, tsColumn: number, name: string): Promise<DataWarning[]> {
  const row = await readRow(duck, `SELECT count(*) AS n, min(rowid) AS pos, arg_min(ts, rowid) AS seconds FROM ev WHERE ts > ${futureLimit()}`);
  const count = Number(row.n);
  if (count === 0) return [];
  const { line, values } = await recordAt(path, layout, Number(row.pos));
  return [
    futureWarning(path, layout.kind === 'parquet' ? 'row' : 'line', clipText(name), {
      count,
      line,
      text: values[tsColumn] ?? '',
      seconds: Number(row.seconds),
    }),
  ];
}

/** Record `pos` as the line reader reads it: its 1-based line (or Parquet row) and its values. */
async function recordAt(path: string, layout: FileLayout, pos: number): Promise<{ line: number; values: string[] }> {
  const reader = await openRecords(path, layout);
  try {
    let seen = 0;
    for await (const batch of reader.batches) {
      if (pos < seen + batch.rows.length) return { line: batch.lines[pos - seen]!, values: batch.rows[pos - seen]! };
      seen += batch.rows.length;
    }
  } finally {
    await reader.close();
  }
  throw new Error(`record ${pos} is beyond the end of ${path}`);
}

/** The catalog's item ids as `catalog_ids(pos, id)` (empty without a catalog). */
export async function loadCatalogIds(duck: Duck, ids: string[] | undefined): Promise<void> {
  await tableFromColumns(duck, 'catalog_ids', { pos: positions(ids?.length ?? 0), id: ids ?? [] });
}

/** `ev` from the line reader's events, in their order (no `src`: the line reader keeps only the mapped columns). */
async function eventsFromLineReader(duck: Duck, path: string, opts: EventsOptions, ctx: TaskContext): Promise<EventsSource> {
  const read = await readRawEvents(path, opts, ctx);
  const ev = read.events;
  const n = ev.n;
  await tableFromColumns(duck, 'ev_codes', {
    pos: positions(n),
    u: ev.user.subarray(0, n),
    i: ev.item.subarray(0, n),
    ts: ev.ts.subarray(0, n),
    rating: ev.rating ? ev.rating.subarray(0, n) : new Float32Array(n),
  });
  await tableFromColumns(duck, 'user_ids', { pos: positions(ev.userIds.length), id: ev.userIds });
  await tableFromColumns(duck, 'item_ids', { pos: positions(ev.itemIds.length), id: ev.itemIds });
  await duck.conn.run(`CREATE OR REPLACE TABLE ev AS
    SELECT u.id AS user_id, i.id AS item_id, ${ev.rating ? 'e.rating' : 'NULL::FLOAT'} AS rating, e.ts
    FROM ev_codes e JOIN user_ids u ON u.pos = e.u JOIN item_ids i ON i.pos = e.i ORDER BY e.pos`);
  await duck.conn.run('DROP TABLE ev_codes; DROP TABLE user_ids; DROP TABLE item_ids');
  return {
    layout: read.layout,
    columns: read.columns,
    rowsRead: ev.n + ev.unknownItems,
    unknownItems: ev.unknownItems,
    unknownExamples: ev.unknownExamples,
    warnings: read.warnings,
    readByDuckDB: false,
  };
}
