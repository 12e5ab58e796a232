import { describe, expect, it } from 'vitest';
import {
  catalogColumns,
  checkMapping,
  interactionColumns,
  parseRating,
  parseTimestamp,
  ratingProblem,
  timestampProblem,
} from '../../main/engine/data/columns.ts';
import { scanUtf8 } from '../../main/engine/data/decode.ts';
import { toErrorData } from '../../main/common/contracts/errors.ts';
import { parseMap, parseWholeNumber } from '../../main/cli/commands/parse.ts';
import { applySet } from '../../main/engine/config/load.ts';

describe('parseTimestamp', () => {
  it('tells epoch seconds, milliseconds and microseconds apart by magnitude', () => {
    expect(parseTimestamp('1700000000')).toBe(1700000000);
    expect(parseTimestamp('1700000000123')).toBeCloseTo(1700000000.123, 6);
    expect(parseTimestamp('1700000000123456')).toBeCloseTo(1700000000.123456, 3);
    expect(parseTimestamp('881250949')).toBe(881250949);
  });

  it('reads ISO dates as UTC unless a zone is given', () => {
    expect(parseTimestamp('2024-01-02')).toBe(Date.UTC(2024, 0, 2) / 1e3);
    expect(parseTimestamp('2024-01-02 03:04:05')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5) / 1e3);
    expect(parseTimestamp('2024-01-02T03:04:05.250Z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 250) / 1e3);
    expect(parseTimestamp('2024-01-02T03:04:05+0100')).toBe(Date.UTC(2024, 0, 2, 2, 4, 5) / 1e3);
  });

  it('returns NaN for text that is not a time', () => {
    for (const bad of ['', 'yesterday', '2024-13-45', '01/02/2024', 'NaN']) expect(parseTimestamp(bad)).toBeNaN();
  });

  it('refuses blanks, hex, impossible dates and times outside the years 0001–9999, saying why', () => {
    expect(parseTimestamp(' 1700000000 ')).toBe(1700000000);
    expect(parseTimestamp('2024-02-29')).toBe(Date.UTC(2024, 1, 29) / 1e3);
    for (const bad of [
      '   ',
      '\t',
      '0x1A',
      '0b101',
      'Infinity',
      '2023-02-30',
      '2023-02-29',
      '2024-04-31',
      '2024-01-01T24:00:00',
      '2024-01-01T12:60:00',
      '12345678901234567890',
      '-99999999999999999999',
    ])
      expect(parseTimestamp(bad), bad).toBeNaN();
    expect(timestampProblem('   ')).toBe('the timestamp is empty');
    expect(timestampProblem('2023-02-30')).toBe('timestamp "2023-02-30" is not a real date or time');
    expect(timestampProblem('12345678901234567890')).toMatch(/^timestamp "12345678901234567890" is outside the years 0001–9999/);
    expect(timestampProblem('0x1A')).toBe('cannot read timestamp "0x1A"');
  });
});

describe('parseRating', () => {
  it('reads numbers and rejects everything else', () => {
    expect(parseRating('4.5')).toBe(4.5);
    expect(parseRating('-1')).toBe(-1);
    expect(parseRating('')).toBeNaN();
    expect(parseRating('five')).toBeNaN();
  });

  it('refuses ratings a float32 cannot hold, and hex or infinite values', () => {
    expect(parseRating('3.4e38')).toBe(3.4e38);
    for (const bad of ['1e39', '-1e39', '0x10', 'Infinity', ' ']) expect(parseRating(bad), bad).toBeNaN();
    expect(ratingProblem('1e39')).toMatch(/^rating "1e39" is too large \(ratings are stored as 32-bit floats/);
  });
});

describe('column detection', () => {
  it('recognises common names regardless of case and separators', () => {
    expect(interactionColumns('f.csv', ['Customer ID', 'SKU', 'Score', 'Event-Time'])).toEqual({ user: 0, item: 1, rating: 2, ts: 3 });
    expect(interactionColumns('f.csv', ['ts', 'movieId', 'userId'])).toEqual({ user: 2, item: 1, rating: null, ts: 0 });
  });

  it('prefers timestamp over a date column', () => {
    expect(interactionColumns('f.csv', ['user', 'item', 'date', 'timestamp']).ts).toBe(3);
  });

  it('finds catalog id and title columns, or none', () => {
    expect(catalogColumns('f.csv', ['movieId', 'title', 'genres'])).toEqual({ id: 0, title: 1 });
    expect(catalogColumns('f.csv', ['name', 'text'])).toEqual({ id: null, title: 0 });
    expect(catalogColumns('f.csv', ['sku_code', 'label'], { id: 'sku_code', title: 'label' })).toEqual({ id: 0, title: 1 });
  });

  it('asks for a header line when the first row holds values', () => {
    expect(() => interactionColumns('f.tsv', ['196', '242', '3', '881250949'])).toThrow(/first line holds values.*add a header line/);
  });

  it('refuses one column for two fields', () => {
    expect(() => interactionColumns('f.csv', ['user_id', 'item_id', 'timestamp'], { user: 'item_id', item: 'item_id' })).toThrow(
      /f\.csv: user and item would both be read from column "item_id"; each field needs its own column/,
    );
    expect(() => interactionColumns('f.csv', ['user_id', 'item_id', 'timestamp'], { ts: 'user_id' })).toThrow(
      /user and ts would both be read from column "user_id"/,
    );
  });

  it('clips huge column names and lists in messages', () => {
    const huge = 'c'.repeat(5_000_000);
    const err = (() => {
      try {
        interactionColumns('f.csv', [huge, ...Array.from({ length: 1000 }, (_, k) => `col${k}`)]);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err!.message.length).toBeLessThan(1000);
    expect(err!.message).toMatch(/c… \(5,000,000 characters\), col0, .*… \(1001 columns\)/);
    expect(JSON.stringify(err).length).toBeLessThan(5000);
  });

  it('rejects unknown mapping keys', () => {
    expect(() => checkMapping({ usr: 'x' })).toThrow(/mapping key "usr" is not known/);
    expect(() => checkMapping({ user: 'x', ts: 'y' })).not.toThrow();
  });
});

describe('scanUtf8', () => {
  it('finds the first invalid byte and a sequence cut off at the end', () => {
    expect(scanUtf8(Buffer.from('héllo', 'utf8'))).toEqual({ bad: -1, end: 6 });
    expect(scanUtf8(Buffer.from([0x61, 0xe9, 0x62]))).toEqual({ bad: 1, end: 3 });
    expect(scanUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toEqual({ bad: -1, end: 1 });
    expect(scanUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toEqual({ bad: 0, end: 3 }); // surrogate
    expect(scanUtf8(Buffer.from([0xc0, 0xaf]))).toEqual({ bad: 0, end: 2 }); // overlong
  });
});

describe('messages quote at most a clip of a value', () => {
  const huge = 'v'.repeat(5_000_000);
  it('in CLI and --set parsing', () => {
    for (const fn of [() => parseMap(huge), () => parseWholeNumber('--cv', huge), () => applySet({}, huge)]) {
      expect(fn).toThrow(/v{100}… \(5,000,000 characters\)/);
      try {
        fn();
      } catch (e) {
        expect(JSON.stringify(toErrorData(e)).length).toBeLessThan(2000);
      }
    }
  });

  it('a full disk while writing a file is said as such, not as an internal error', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/ws/runs/run_1/als/item_factors.npy' });
    expect(toErrorData(enospc)).toEqual({
      kind: 'invalid-input',
      message: 'the disk is full (writing /ws/runs/run_1/als/item_factors.npy)',
      details: { file: '/ws/runs/run_1/als/item_factors.npy', code: 'ENOSPC', hint: 'free some space on that disk and try again' },
    });
  });

  it('in third-party errors that reach the event stream', () => {
    const data = toErrorData(new Error(`Unexpected token in ${huge}`));
    expect(data.kind).toBe('internal');
    expect(data.message.length).toBeLessThan(1100);
    expect(data.stack!.length).toBeLessThan(4100);
  });
});
