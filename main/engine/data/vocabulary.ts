/** Topic vocabularies of the synthetic generator: titles, descriptions and categories are drawn from them. */
export interface Topic {
  category: string;
  words: string[];
}

export const TOPICS: Topic[] = [
  { category: 'space', words: ['orbit', 'nebula', 'rocket', 'galaxy', 'astronaut', 'comet', 'telescope', 'planet', 'starship', 'asteroid', 'cosmos', 'lunar', 'satellite', 'gravity', 'eclipse', 'meteor'] },
  { category: 'cooking', words: ['recipe', 'kitchen', 'pasta', 'spice', 'bread', 'oven', 'flavor', 'sauce', 'chef', 'garlic', 'dessert', 'baking', 'soup', 'herbs', 'grill', 'noodles'] },
  { category: 'gardening', words: ['garden', 'seeds', 'compost', 'roses', 'soil', 'tomato', 'pruning', 'orchard', 'greenhouse', 'blossom', 'bulbs', 'hedge', 'mulch', 'seedling', 'vines', 'perennial'] },
  { category: 'jazz', words: ['saxophone', 'swing', 'improvisation', 'trumpet', 'bebop', 'rhythm', 'quartet', 'melody', 'groove', 'piano', 'blues', 'ballad', 'standards', 'trio', 'solo', 'harmony'] },
  { category: 'hiking', words: ['trail', 'summit', 'backpack', 'ridge', 'canyon', 'forest', 'boots', 'compass', 'campfire', 'glacier', 'valley', 'wilderness', 'tent', 'peak', 'meadow', 'waterfall'] },
  { category: 'history', words: ['empire', 'medieval', 'dynasty', 'revolution', 'ancient', 'castle', 'archive', 'pharaoh', 'kingdom', 'treaty', 'crusade', 'chronicle', 'senate', 'legion', 'monarch', 'ruins'] },
  { category: 'finance', words: ['investing', 'stocks', 'budget', 'dividend', 'portfolio', 'savings', 'market', 'bonds', 'retirement', 'taxes', 'wealth', 'interest', 'mortgage', 'index', 'equity', 'credit'] },
  { category: 'fitness', words: ['workout', 'running', 'strength', 'yoga', 'cardio', 'muscle', 'stretching', 'marathon', 'training', 'endurance', 'squat', 'cycling', 'pilates', 'sprint', 'core', 'mobility'] },
  { category: 'photography', words: ['camera', 'lens', 'portrait', 'exposure', 'aperture', 'shutter', 'landscape', 'darkroom', 'tripod', 'lighting', 'film', 'focus', 'composition', 'flash', 'studio', 'print'] },
  { category: 'mystery', words: ['detective', 'murder', 'clue', 'suspect', 'alibi', 'inspector', 'secret', 'witness', 'crime', 'poison', 'manor', 'riddle', 'heist', 'motive', 'shadow', 'investigation'] },
  { category: 'gaming', words: ['console', 'quest', 'level', 'multiplayer', 'arcade', 'controller', 'dungeon', 'strategy', 'pixel', 'speedrun', 'boss', 'puzzle', 'guild', 'loot', 'racing', 'sandbox'] },
  { category: 'ocean', words: ['reef', 'whale', 'coral', 'tide', 'sailing', 'lighthouse', 'harbor', 'dolphin', 'diving', 'shipwreck', 'island', 'current', 'kelp', 'lagoon', 'voyage', 'anchor'] },
];

export const TITLE_SUFFIXES = ['Guide', 'Stories', 'Handbook', 'Collection', 'Chronicles', 'Essentials', 'Companion', 'Diaries', 'Atlas', 'Sessions'];

export const FILLER_WORDS = [
  'a', 'the', 'of', 'and', 'with', 'for', 'about', 'new', 'classic', 'complete', 'practical', 'modern', 'illustrated', 'edition',
  'beginners', 'experts', 'everyday', 'journey', 'notes', 'ideas', 'simple', 'deep', 'collection', 'favorite',
];
