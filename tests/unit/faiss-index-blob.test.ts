import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadVss } from '../../main/engine/store/extensions.ts';
import { decodeFlatIndex, encodeFlatIndex, withHnswParameters, withIvfProbes } from '../../main/engine/store/faiss-index-blob.ts';

const DIMS = 6;
const open: Database.Database[] = [];
afterEach(() => {
  while (open.length) open.pop()!.close();
});

/** an in-memory database with one vss0 table, as the vector store creates it */
function vssTable(factory: string): Database.Database {
  const db = new Database(':memory:');
  open.push(db);
  loadVss(db);
  db.exec(`CREATE VIRTUAL TABLE t USING vss0(e(${DIMS}) factory="${factory}" metric_type=INNER_PRODUCT)`);
  return db;
}

const indexBlob = (db: Database.Database) => db.prepare('SELECT idx FROM t_index WHERE rowid = 0').pluck().get() as Buffer;

/** a copy of `db` whose table holds `blob` as its index; vss0 reads the index when a connection first uses the table */
function reopenedWithIndex(db: Database.Database, blob: Buffer): Database.Database {
  db.unsafeMode(true);
  db.prepare('UPDATE t_index SET idx = ? WHERE rowid = 0').run(blob);
  db.unsafeMode(false);
  const reopened = new Database(db.serialize());
  open.push(reopened);
  loadVss(reopened);
  return reopened;
}

function vectors(n: number): Float32Array {
  return Float32Array.from({ length: n * DIMS }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
}

function insertThroughVss(db: Database.Database, data: Float32Array, ids: number[]): void {
  const insert = db.prepare('INSERT INTO t (rowid, e) VALUES (?, ?)');
  db.transaction(() => ids.forEach((id, i) => insert.run(id, Buffer.from(data.buffer, i * DIMS * 4, DIMS * 4))))();
}

describe('Flat,IDMap2 index blobs', () => {
  it('encodes byte for byte what vss0 serialises for the same vectors and ids', () => {
    const db = vssTable('Flat,IDMap2');
    expect(encodeFlatIndex({ dims: DIMS, vectors: new Float32Array(0), ids: new BigInt64Array(0) }).equals(indexBlob(db))).toBe(true);
    const data = vectors(5);
    const ids = [3, 9, 4, 100, 7];
    insertThroughVss(db, data, ids);
    expect(encodeFlatIndex({ dims: DIMS, vectors: data, ids: BigInt64Array.from(ids.map(BigInt)) }).equals(indexBlob(db))).toBe(true);
  });

  it('decodes what it encodes, and vss0 searches a written blob after reconnecting', () => {
    const data = vectors(4);
    const ids = BigInt64Array.from([11n, 12n, 13n, 14n]);
    const blob = encodeFlatIndex({ dims: DIMS, vectors: data, ids });
    const decoded = decodeFlatIndex(blob);
    expect(decoded.dims).toBe(DIMS);
    expect(Array.from(decoded.vectors)).toEqual(Array.from(data));
    expect(Array.from(decoded.ids)).toEqual(Array.from(ids));

    const db = vssTable('Flat,IDMap2');
    const reopened = reopenedWithIndex(db, blob);
    const hits = reopened.prepare('SELECT rowid, distance FROM t WHERE vss_search(e, ?) LIMIT 4').all(Buffer.from(data.buffer, 2 * DIMS * 4, DIMS * 4)) as {
      rowid: number;
      distance: number;
    }[];
    const q = data.subarray(2 * DIMS, 3 * DIMS);
    const expected = [0, 1, 2, 3]
      .map((i) => ({ rowid: 11 + i, distance: data.subarray(i * DIMS, (i + 1) * DIMS).reduce((s, v, k) => s + v * q[k]!, 0) }))
      .sort((a, b) => b.distance - a.distance);
    expect(hits.map((h) => h.rowid)).toEqual(expected.map((e) => e.rowid));
    hits.forEach((h, i) => expect(h.distance).toBeCloseTo(expected[i]!.distance, 4));
  });

  it('refuses blobs of other index kinds or cut short, with a hint to rebuild', () => {
    const hnsw = indexBlob(vssTable('HNSW8,IDMap2'));
    expect(() => decodeFlatIndex(hnsw)).toThrow(/expected IxFI, found "IHNf".*rebuild/);
    const flat = encodeFlatIndex({ dims: DIMS, vectors: vectors(2), ids: BigInt64Array.from([1n, 2n]) });
    expect(() => decodeFlatIndex(flat.subarray(0, flat.length - 3))).toThrow(/truncated/);
  });
});

describe('HNSW index blobs', () => {
  it('sets efConstruction and efSearch, which vss0 keeps through later commits', () => {
    const db = vssTable('HNSW8,IDMap2');
    const params = { efConstruction: 77, efSearch: 55 };
    const patched = withHnswParameters(indexBlob(db), params);
    expect(patched.equals(indexBlob(db))).toBe(false);
    const reopened = reopenedWithIndex(db, patched);
    reopened.exec('SELECT count(*) FROM t');
    insertThroughVss(
      reopened,
      vectors(30),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    // vss0 re-serialised its in-memory index on commit: writing the same values again changes nothing
    const committed = indexBlob(reopened);
    expect(withHnswParameters(committed, params).equals(committed)).toBe(true);
    expect(withHnswParameters(committed, { efConstruction: 40, efSearch: 16 }).equals(committed)).toBe(false);
  });

  it('refuses a blob that is not HNSW', () => {
    expect(() => withHnswParameters(indexBlob(vssTable('Flat,IDMap2')), { efConstruction: 1, efSearch: 1 })).toThrow(/expected IHNf/);
  });
});

describe('IVF index blobs', () => {
  it('sets nprobe, which vss0 keeps through training and inserts, and refuses more probes than lists', () => {
    const db = vssTable('IVF4,Flat,IDMap2');
    expect(() => withIvfProbes(indexBlob(db), 5)).toThrow(/1 to the index's 4 lists, got 5/);
    const reopened = reopenedWithIndex(db, withIvfProbes(indexBlob(db), 3));
    const data = vectors(40);
    const train = reopened.prepare("INSERT INTO t (operation, e) VALUES ('training', ?)");
    reopened.transaction(() => {
      for (let i = 0; i < 40; i++) train.run(Buffer.from(data.buffer, i * DIMS * 4, DIMS * 4));
    })();
    insertThroughVss(
      reopened,
      data,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const committed = indexBlob(reopened);
    expect(withIvfProbes(committed, 3).equals(committed)).toBe(true);
    expect(withIvfProbes(committed, 1).equals(committed)).toBe(false);
  });
});
