import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../main/common/contracts/errors.ts';
import { augmentRows, augmentText } from '../../main/engine/classify/augment.ts';
import { cleanText, DEFAULT_CLEAN } from '../../main/engine/classify/clean.ts';
import { classBalance, describe as stats, MAX_COLUMNS, MAX_RECORD_CHARS, readLabelledFile } from '../../main/engine/classify/dataset.ts';
import { parseClassifyParams } from '../../main/engine/classify/params.ts';
import { checkFolds, loadRows, prepareData } from '../../main/engine/classify/prepare.ts';
import { mulberry32 } from '../../main/engine/common/random.ts';
import { stratifiedKFold, stratifiedSplit } from '../../main/engine/classify/split.ts';
import { featureBuckets, tokenize } from '../../main/engine/classify/tokenize.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'text');

function expectInvalid(fn: () => unknown, pattern: RegExp): EngineError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    const e = err as EngineError;
    expect(e.kind).toBe('invalid-input');
    expect(e.message).toMatch(pattern);
    return e;
  }
  throw new Error('expected an invalid-input error');
}

describe('readLabelledFile', () => {
  it('detects review/sentiment columns and drops rows without a label', () => {
    const d = readLabelledFile(join(FIXTURES, 'reviews.csv'));
    expect([d.textCol, d.labelCol]).toEqual(['review', 'sentiment']);
    expect(d.missingLabels).toBe(1);
    expect(d.rows).toHaveLength(6);
    expect(d.rows[0]).toEqual({ text: 'Great phone, the battery lasts two days', label: 'positive', line: 2 });
  });

  it('reads JSONL (skipping blank lines) and TSV with detected columns', () => {
    const j = readLabelledFile(join(FIXTURES, 'messages.jsonl'));
    expect([j.textCol, j.labelCol]).toEqual(['message', 'category']);
    expect(j.rows.map((r) => r.line)).toEqual([1, 2, 4]);
    const t = readLabelledFile(join(FIXTURES, 'news.tsv'));
    expect(t.rows).toEqual([
      { text: 'the match ended in a draw', label: 'sport', line: 2 },
      { text: 'new chip doubles speed', label: 'tech', line: 3 },
    ]);
  });

  it('uses mapped columns and names the missing one', () => {
    const d = readLabelledFile(join(FIXTURES, 'reviews.csv'), { textCol: 'review', labelCol: 'stars' });
    expect(d.rows.map((r) => r.label)).toEqual(['5', '1', '5', '2', '4', '1', '5']);
    const e = expectInvalid(() => readLabelledFile(join(FIXTURES, 'reviews.csv'), { labelCol: 'rating' }), /no column "rating"/);
    expect(e.details).toMatchObject({ field: 'rating', hint: expect.stringContaining('--label-col') });
  });

  it('explains undetectable columns, bad quoting, bad JSON lines and unknown types', () => {
    expectInvalid(() => readLabelledFile(join(FIXTURES, 'no-label.csv')), /no label column found among comment, stars/);
    const q = expectInvalid(() => readLabelledFile(join(FIXTURES, 'bad-quote.csv')), /bad-quote\.csv/);
    expect(q.details).toMatchObject({ file: join(FIXTURES, 'bad-quote.csv'), line: 4, column: 'text', code: 'CSV_QUOTE_NOT_CLOSED' });
    const j = expectInvalid(() => readLabelledFile(join(FIXTURES, 'bad-line.jsonl')), /bad-line\.jsonl:2: not valid JSON/);
    expect(j.details).toMatchObject({ line: 2 });
    expectInvalid(() => readLabelledFile(join(FIXTURES, 'synthetic.ts')), /unsupported file type/);
    expectInvalid(() => readLabelledFile(join(FIXTURES, 'missing.csv')), /missing\.csv: file not found/);
  });
});

describe('cleanText', () => {
  it('strips HTML and decodes entities but keeps <mail@addresses> as text', () => {
    expect(cleanText('<p>Loved it &amp; <b>more</b></p><script>x()</script>', { ...DEFAULT_CLEAN, urls: false })).toBe('Loved it & more');
    expect(cleanText('from <joe@example.org>', { ...DEFAULT_CLEAN, urls: false })).toBe('from <joe@example.org>');
  });

  it('replaces URLs and mail addresses, collapses whitespace, applies NFKC', () => {
    expect(cleanText('see https://x.org/a?b=1 or www.y.com,  mail me@z.io\n\tnow')).toBe('see URL or URL mail URL now');
    expect(cleanText('ｆｕｌｌ ﬁne ①')).toBe('full fine 1');
  });

  it('does nothing a switch turns off', () => {
    const off = { html: false, urls: false, whitespace: false, unicode: false };
    const raw = ' <b>ｆ</b>  https://a.b ';
    expect(cleanText(raw, off)).toBe(raw);
  });
});

describe('tokenize and hashed features', () => {
  it('splits words and punctuation, lowercases and caps the token count', () => {
    expect(tokenize("Don't PANIC!! It's 42", true, 100)).toEqual(["don't", 'panic', '!', '!', "it's", '42']);
    expect(tokenize('a b c d', false, 2)).toEqual(['a', 'b']);
  });

  it('gives unigram and bigram buckets inside the hash space', () => {
    const b = featureBuckets(['a', 'b', 'c'], 1000, 2);
    expect(b).toHaveLength(5);
    expect(b.every((x) => x >= 0 && x < 1000)).toBe(true);
    expect(featureBuckets(['a', 'b'], 1000, 2)[2]).not.toBe(featureBuckets(['b', 'a'], 1000, 2)[2]);
  });
});

describe('stratifiedSplit / stratifiedKFold', () => {
  const labels = [...Array(100).fill('a'), ...Array(50).fill('b'), ...Array(10).fill('c')] as string[];
  const count = (idx: number[], l: string) => idx.filter((i) => labels[i] === l).length;

  it('keeps class proportions in every part and covers each row once', () => {
    const s = stratifiedSplit(labels, 0.2, 0.1, 1);
    expect([count(s.test, 'a'), count(s.test, 'b'), count(s.test, 'c')]).toEqual([20, 10, 2]);
    expect([count(s.validation, 'a'), count(s.validation, 'b'), count(s.validation, 'c')]).toEqual([8, 4, 1]);
    expect([count(s.train, 'a'), count(s.train, 'b'), count(s.train, 'c')]).toEqual([72, 36, 7]);
    expect(new Set([...s.train, ...s.validation, ...s.test]).size).toBe(160);
  });

  it('is fixed by the seed', () => {
    expect(stratifiedSplit(labels, 0.2, 0.1, 1)).toEqual(stratifiedSplit(labels, 0.2, 0.1, 1));
    expect(stratifiedSplit(labels, 0.2, 0.1, 2).test).not.toEqual(stratifiedSplit(labels, 0.2, 0.1, 1).test);
  });

  it('keeps a training row for a class with a single example', () => {
    const s = stratifiedSplit(['x', 'y', 'y', 'y'], 0.5, 0.5, 3);
    expect(s.train.map((i) => i)).toContain(0);
  });

  it('k folds hold every row out exactly once, classes spread evenly', () => {
    const folds = stratifiedKFold(labels, 5, 4);
    expect(folds.flat().sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    for (const f of folds) {
      expect(f).toHaveLength(32);
      expect(count(f, 'a')).toBe(20);
      expect(count(f, 'c')).toBe(2);
    }
  });
});

describe('augmentation', () => {
  it('deletes and swaps words deterministically, never producing an empty text', () => {
    const a = augmentText('one two three four five six', { copies: 1, deleteProb: 0.3, swapProb: 0.3 }, mulberry32(5));
    expect(a).toBe(augmentText('one two three four five six', { copies: 1, deleteProb: 0.3, swapProb: 0.3 }, mulberry32(5)));
    expect(a).not.toBe('one two three four five six');
    expect(augmentText('solo', { copies: 1, deleteProb: 0.5, swapProb: 0 }, () => 0)).toBe('solo');
    expect(augmentRows([{ text: 'a b c d e', label: 'x' }], { copies: 3, deleteProb: 0.5, swapProb: 0.5 }, 1).every((r) => r.label === 'x')).toBe(true);
  });

  it('touches only the training part', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      text: `word${i} alpha beta gamma delta epsilon ${i % 2 ? 'odd' : 'even'}`,
      label: i % 2 ? 'odd' : 'even',
    }));
    const plain = prepareData(rows, parseClassifyParams({}));
    const aug = prepareData(rows, parseClassifyParams({ augment: { enabled: true, copies: 2 } }));
    expect(aug.quality.split.augmented).toBeGreaterThan(0);
    expect(aug.train.length).toBe(plain.train.length + aug.quality.split.augmented);
    expect(aug.test).toEqual(plain.test);
    expect(aug.validation).toEqual(plain.validation);
  });
});

describe('quality report', () => {
  it('reports empty texts, duplicates, conflicts, leakage, balance and lengths', () => {
    const rows = [
      { text: 'same words', label: 'a' },
      { text: 'same   words', label: 'b' },
      { text: '<br>', label: 'a' },
      ...Array.from({ length: 40 }, (_, i) => ({ text: `text number ${i}`, label: i < 30 ? 'a' : 'b' })),
    ];
    const kept = prepareData(rows, parseClassifyParams({ dedupe: false }));
    expect(kept.quality).toMatchObject({ rows: 43, emptyTexts: 1, duplicates: 1, conflictingDuplicates: 1, duplicatesDropped: 0 });
    const deduped = prepareData(rows, parseClassifyParams({}));
    expect(deduped.quality.duplicatesDropped).toBe(1);
    expect(deduped.quality.leakage).toEqual({ trainValidation: 0, trainTest: 0, validationTest: 0 });
    expect(deduped.quality.classes).toEqual([
      { label: 'a', count: 31, share: 31 / 41 },
      { label: 'b', count: 10, share: 10 / 41 },
    ]);
    expect(deduped.quality.imbalanceRatio).toBeCloseTo(3.1);
    expect(deduped.quality.tokens).toMatchObject({ min: 2, max: 3 });
  });

  it('finds leakage when duplicates are kept', () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ text: `doc ${i % 50}`, label: i % 2 ? 'x' : 'y' }));
    const q = prepareData(rows, parseClassifyParams({ dedupe: false })).quality;
    expect(q.leakage.trainTest).toBeGreaterThan(0);
  });

  it('says when every row has a class of its own, instead of "too few rows"', () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({ text: `message ${i}`, label: `id-${i}` }));
    const e = expectInvalid(
      () => prepareData(rows, parseClassifyParams({})),
      /^memory: every class has a single example \(400 rows, 400 classes\), so none can be held out for testing$/,
    );
    expect(e.details?.hint).toMatch(/--label-col/);
  });

  it('caps folds at the smallest class count', () => {
    const classes = classBalance([...new Array<string>(300).fill('a'), ...new Array<string>(100).fill('b')]);
    expect(() => checkFolds(classes, 100, 'f.csv')).not.toThrow();
    expectInvalid(
      () => checkFolds(classes, 500, 'f.csv'),
      /^f\.csv: 500 folds need at least 500 examples of every class, but class "b" has 100; use --cv 100 or fewer$/,
    );
    expectInvalid(() => checkFolds(classBalance(['a', 'a', 'b']), 2, 'f.csv'), /class "b" has 1; add examples of that class, or train without --cv/);
    expectInvalid(() => checkFolds(classes, 1, 'f.csv'), /integer number of folds ≥ 2, got 1/);
  });

  it('needs two classes and a non-empty test set', () => {
    expectInvalid(
      () =>
        prepareData(
          [
            { text: 'a', label: 'x' },
            { text: 'b', label: 'x' },
          ],
          parseClassifyParams({}),
        ),
      /at least 2 classes/,
    );
    expectInvalid(
      () =>
        prepareData(
          [
            { text: 'a', label: 'x' },
            { text: 'b', label: 'y' },
            { text: 'c', label: 'y' },
          ],
          parseClassifyParams({}),
        ),
      /too few rows \(3\) to hold out a test set/,
    );
  });

  it('summary helpers', () => {
    expect(stats([3, 1, 2, 10])).toEqual({ min: 1, median: 3, mean: 4, p95: 10, max: 10 });
    expect(classBalance(['b', 'a', 'b'])).toEqual([
      { label: 'b', count: 2, share: 2 / 3 },
      { label: 'a', count: 1, share: 1 / 3 },
    ]);
  });
});

describe('labelled file input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-text-input-'));
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('refuses Latin-1 with the line and the iconv hint, like the interaction readers', () => {
    const path = file('latin1.csv', Buffer.from('text,label\nfine,a\ncaf\xe9 au lait,b\n', 'latin1'));
    const e = expectInvalid(
      () => readLabelledFile(path),
      /^latin1\.csv line 3: byte 0xE9 at offset \d+ is not valid UTF-8\. The file looks like LATIN1: convert it to UTF-8 \(e\.g\. iconv -f LATIN1/,
    );
    expect(e.details).toMatchObject({ line: 3, encoding: 'LATIN1' });
    expect(readLabelledFile(file('bom.csv', '\ufefftext,label\ncafé,a\n')).rows[0]!.text).toBe('café');
  });

  it('says random bytes are not a text file', () => {
    const random = mulberry32(3);
    const path = file('random.csv', Buffer.from(Array.from({ length: 5000 }, () => Math.floor(random() * 256))));
    expectInvalid(() => readLabelledFile(path), /^random\.csv: this is not a text file/);
  });

  it('bounds the size of a record and the number of columns', () => {
    const long = file('long.csv', `text,label\nshort,a\n"${'x'.repeat(MAX_RECORD_CHARS + 10)}",b\n`);
    const e = expectInvalid(() => readLabelledFile(long), /^long\.csv line 3: a record is longer than 1,000,000 characters/);
    expect(e.message.length).toBeLessThan(200);
    const longJson = file('long.jsonl', `{"text":"ok","label":"a"}\n{"text":"${'x'.repeat(MAX_RECORD_CHARS + 10)}","label":"b"}\n`);
    expectInvalid(() => readLabelledFile(longJson), /^long\.jsonl line 2: a record is longer than 1,000,000 characters/);
    const columns = Array.from({ length: 200_000 }, (_, k) => `c${k}`);
    const wide = file('wide.csv', `text,label,${columns.join(',')}\nhello,a,${columns.map(() => '1').join(',')}\n`);
    expectInvalid(() => readLabelledFile(wide), /^wide\.csv: the header has 200,002 columns, more than the 1000 a labelled text file may have/);
    const wideJson = file(
      'wide.jsonl',
      JSON.stringify(Object.fromEntries([['text', 'hi'], ['label', 'a'], ...columns.slice(0, MAX_COLUMNS).map((c) => [c, 1])])) + '\n',
    );
    expectInvalid(() => readLabelledFile(wideJson), /^wide\.jsonl: the header has 1,002 columns/);
  });

  it('says a folder is a folder and a missing builtin data set is missing', () => {
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder);
    expectInvalid(() => readLabelledFile(folder), /is not a regular file: it is a folder/);
    expect(() => loadRows('builtin:nope')).toThrow(/^no builtin data set named nope; available: spam-assassin$/);
    expect(() => loadRows('builtin:nope')).toThrow(expect.objectContaining({ kind: 'not-found' }));
  });
});
