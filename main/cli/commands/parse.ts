import { EngineError, clipText } from '../../common/contracts/errors.ts';

/** "user=customer,item=sku" → { user: 'customer', item: 'sku' } */
export function parseMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [key, col] = pair.split('=');
    if (!key || !col) throw new EngineError('invalid-input', `--map ${clipText(text)}: expected field=column pairs, e.g. user=customer,item=sku`);
    map[key.trim()] = col.trim();
  }
  return map;
}

/** "5,10,20" → [5, 10, 20] */
export function parseKs(text: string): number[] {
  const ks = text.split(',').map((s) => Number(s.trim()));
  if (ks.some((k) => !Number.isInteger(k) || k <= 0))
    throw new EngineError('invalid-input', `--k ${clipText(text)}: expected positive integers separated by commas`);
  return ks;
}

/** "5" → 5; anything but a whole number (e.g. "abc", "2.5") fails naming the option. */
export function parseWholeNumber(flag: string, text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new EngineError('invalid-input', `${flag} ${clipText(text)}: expected a whole number`, { field: flag });
  return Number(text);
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** "0.25", "-1", "4" → a number; anything else fails naming the option. */
export function parseNumber(flag: string, text: string): number {
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text))
    throw new EngineError('invalid-input', `${flag} ${clipText(text)}: expected a number`, { field: flag });
  return Number(text);
}
