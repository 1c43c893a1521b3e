/**
 * The word banks the demo's documents are written from: ten topics with distinct vocabularies, so that semantic
 * neighbours are easy to judge by eye ("telescope" should find astronomy, "dough" cooking) and a category filter
 * visibly changes the results.
 */
export interface Topic {
  readonly category: string;
  /** Noun phrases the documents are about. */
  readonly subjects: readonly string[];
  /** Body sentences; {s} and {t} are replaced with two different subjects of the topic. */
  readonly sentences: readonly string[];
}

export const TITLE_TEMPLATES: readonly string[] = [
  "A beginner's guide to {s}",
  'Why {s} matters more than you think',
  'What the experts get wrong about {s}',
  'Ten things to know about {s}',
  'The hidden history of {s}',
  'Understanding {s} in plain words',
  '{S}, explained',
  'Field notes on {s}',
  'What I learned from a year of {s}',
  'From {s} to {t}: a short tour',
  'The case against {s}',
  'How {s} really works',
];

export const TOPICS: readonly Topic[] = [
  {
    category: 'astronomy',
    subjects: [
      'black holes', 'the Andromeda galaxy', 'solar eclipses', 'exoplanets', 'the rings of Saturn', 'neutron stars',
      'the Hubble telescope', 'meteor showers', 'dark matter', 'the Big Bang', 'comets', 'the Milky Way',
      'lunar craters', 'red giants', 'radio telescopes', 'the Kuiper belt', 'gravitational waves', 'supernovae',
      'the moons of Jupiter', 'amateur stargazing', 'cosmic background radiation', 'Mars rovers',
    ],
    sentences: [
      'Astronomers study {s} with telescopes that collect faint light from across the universe.',
      'Observations of {s} changed how scientists think about the birth of stars and galaxies.',
      'On a clear night far from city lights, {s} can be seen with a modest telescope.',
      'The gravity of {s} bends light and shapes the orbits of nearby planets.',
      'Space probes sent back images of {s} that surprised the researchers.',
      'Comparing {s} with {t} reveals how the cosmos evolved over billions of years.',
      'Measurements of {s} depend on careful spectroscopy and long exposures.',
      'Physicists still debate what {s} tells us about the expansion of the universe.',
      'Planetariums often start their shows with {s} before moving on to {t}.',
      'A good star chart and patience are all you need to begin observing {s}.',
    ],
  },
  {
    category: 'cooking',
    subjects: [
      'sourdough bread', 'fresh pasta', 'slow-cooked stews', 'homemade stock', 'cast iron pans', 'knife skills',
      'fermented vegetables', 'chocolate desserts', 'roast chicken', 'spice blends', 'risotto', 'pizza dough',
      'summer salads', 'curry pastes', 'french sauces', 'vegetarian dinners', 'baking pies', 'grilled fish',
      'breakfast pancakes', 'kitchen knives', 'dumplings', 'olive oil',
    ],
    sentences: [
      'Good {s} starts with fresh ingredients and a hot oven.',
      'Chefs recommend tasting {s} as you cook and seasoning with salt at every step.',
      'The recipe for {s} calls for butter, garlic, onions and a splash of wine.',
      'Knead the dough, let it rise overnight, and bake it until the crust is golden.',
      'Pair {s} with {t} for a dinner that feels like a restaurant meal.',
      'Simmer the sauce slowly so the flavours of {s} have time to develop.',
      'A sharp knife and a heavy pan make {s} much easier in a home kitchen.',
      'Leftover {s} keeps for three days in the fridge and freezes well.',
      'Grandmothers have passed down recipes for {s} for generations.',
      'Roast the vegetables with herbs and serve them beside {s}.',
    ],
  },
  {
    category: 'sports',
    subjects: [
      'marathon training', 'football tactics', 'tennis serves', 'the Tour de France', 'basketball defence',
      'Olympic swimming', 'cricket batting', 'rock climbing', 'strength training', 'the World Cup',
      'penalty shootouts', 'sprint starts', 'cycling climbs', 'golf swings', 'rugby scrums', 'boxing footwork',
      'ski racing', 'volleyball blocks', 'coaching young athletes', 'sports injuries', 'team captains',
    ],
    sentences: [
      'The coach built the season around {s} and a disciplined defence.',
      'Athletes preparing for {s} train six days a week and rest on the seventh.',
      'Fans in the stadium cheered as the team scored in the final minute.',
      'Winning the championship took speed, stamina and a lot of {s}.',
      'Players who master {s} rarely struggle with {t}.',
      'The match turned when the captain changed the tactics at half time.',
      'Injuries during {s} are common, so warm up and stretch before every game.',
      'Commentators called it the greatest race in the history of {s}.',
      'A good training plan mixes {s} with long easy runs and recovery days.',
      'The referee reviewed the goal on video before the league confirmed the result.',
    ],
  },
  {
    category: 'music',
    subjects: [
      'jazz improvisation', 'classical symphonies', 'electric guitars', 'piano practice', 'hip hop production',
      'string quartets', 'vinyl records', 'opera singers', 'drum patterns', 'folk songs', 'music theory',
      'synthesizers', 'choir rehearsals', 'songwriting', 'live concerts', 'the blues', 'film scores',
      'violin technique', 'recording studios', 'rock bands', 'orchestra conductors',
    ],
    sentences: [
      'The band recorded {s} in a single afternoon with the whole group playing live.',
      'Musicians learn {s} by ear before they ever read it on the page.',
      'The melody moves over a slow chord progression and a steady bass line.',
      'Critics praised the album for blending {s} with {t}.',
      'Daily practice of scales and rhythm is the secret behind great {s}.',
      'The concert hall was full for an evening of {s}.',
      'Producers layer vocals, drums and keyboards to give {s} its sound.',
      'A composer can spend years finishing a piece built on {s}.',
      'The singer toured for months after the song topped the charts.',
      'Listening closely to {s} teaches harmony better than any textbook.',
    ],
  },
  {
    category: 'technology',
    subjects: [
      'vector databases', 'web browsers', 'compilers', 'open source software', 'database indexes',
      'machine learning models', 'cloud servers', 'programming languages', 'network protocols', 'encryption',
      'mobile apps', 'operating systems', 'unit testing', 'search engines', 'memory allocation', 'web APIs',
      'version control', 'microprocessors', 'offline-first apps', 'data compression', 'code review',
    ],
    sentences: [
      'Engineers tune {s} so that queries return in a few milliseconds.',
      'The software stores data on disk and keeps a cache in memory for speed.',
      'Developers debate whether {s} should be rewritten or simply refactored.',
      'Modern {s} depend on careful algorithms and well-tested code.',
      'A small bug in {s} once took down servers for millions of users.',
      'Combining {s} with {t} lets a program work even without a network connection.',
      'Benchmarks show the new version of {s} is twice as fast on the same hardware.',
      'Programmers learn {s} by reading the source code and writing small tools.',
      'Security researchers audit {s} for vulnerabilities before every release.',
      'The startup built its product on {s} and open source libraries.',
    ],
  },
  {
    category: 'health',
    subjects: [
      'a good night of sleep', 'heart health', 'vitamin D', 'mental wellbeing', 'daily walking', 'blood pressure',
      'healthy breakfasts', 'stress management', 'meditation', 'vaccines', 'the immune system', 'hydration',
      'back pain', 'childhood nutrition', 'screen time', 'breathing exercises', 'allergies', 'posture',
      'sugar in the diet', 'regular checkups', 'ageing well',
    ],
    sentences: [
      'Doctors say {s} lowers the risk of disease more than most medicines.',
      'A study of thousands of patients linked {s} to a longer life.',
      'Nurses recommend small daily habits rather than sudden changes to {s}.',
      'The body repairs muscles and memory while we rest, which is why {s} matters.',
      'Researchers found that {s} and {t} together improve mood and energy.',
      'Ask your physician before changing medication or starting a new diet.',
      'Symptoms often improve within weeks once patients pay attention to {s}.',
      'Public health campaigns have made {s} a priority in schools and clinics.',
      'Exercise, vegetables and fewer processed foods support {s}.',
      'Hospitals track {s} to spot illness early and treat it quickly.',
    ],
  },
  {
    category: 'travel',
    subjects: [
      'night trains in Europe', 'backpacking in Asia', 'the Scottish Highlands', 'Japanese temples',
      'road trips', 'island hopping in Greece', 'budget hostels', 'the Andes mountains', 'desert camping',
      'city breaks', 'travel insurance', 'packing light', 'Icelandic hot springs', 'the Silk Road', 'cruise ships',
      'airport lounges', 'hiking trails', 'street food markets', 'Venice canals', 'safari parks', 'ferry routes',
    ],
    sentences: [
      'Travellers who try {s} often come back wanting to see {t}.',
      'Book the train tickets early, because the best routes sell out in summer.',
      'The guidebook describes {s} as the highlight of any trip to the region.',
      'We spent a week exploring {s} with only a backpack and a map.',
      'Local guides share stories about {s} that no tourist brochure mentions.',
      'The journey across the border took two days by bus and boat.',
      'Hotels near {s} fill up quickly during the festival season.',
      'Bring comfortable shoes, a rain jacket and a passport valid for six months.',
      'Sunset over {s} is worth the long flight and the jet lag.',
      'A travel blogger ranked {s} among the most beautiful places in the world.',
    ],
  },
  {
    category: 'finance',
    subjects: [
      'index funds', 'compound interest', 'household budgets', 'retirement savings', 'stock markets',
      'mortgage rates', 'inflation', 'credit cards', 'emergency funds', 'small business loans', 'bond yields',
      'central banks', 'tax returns', 'cryptocurrency', 'student debt', 'pension plans', 'currency exchange',
      'dividend stocks', 'financial advisers', 'real estate investing', 'insurance premiums',
    ],
    sentences: [
      'Economists expect {s} to shape household spending for years.',
      'Investors who understand {s} worry less when the market falls.',
      'Saving a small share of every salary adds up thanks to {s}.',
      'The bank raised interest rates, and {s} moved within a day.',
      'A simple budget that tracks income and expenses makes {s} easier.',
      'Advisers compare {s} with {t} before recommending either.',
      'Fees and taxes quietly eat into the returns of {s}.',
      'During the recession, many families cut costs and paid down debt.',
      'Regulators publish rules on {s} to protect consumers and savers.',
      'Over twenty years, {s} grew faster than wages or prices.',
    ],
  },
  {
    category: 'history',
    subjects: [
      'the Roman Empire', 'medieval castles', 'the Industrial Revolution', 'ancient Egypt', 'the printing press',
      'the French Revolution', 'Viking voyages', 'the Silk Road traders', 'the Renaissance', 'world war diaries',
      'ancient Greek democracy', 'the fall of Constantinople', 'colonial empires', 'the Cold War',
      'the invention of writing', 'Mayan cities', 'the age of exploration', 'samurai', 'the Ottoman court',
      'archaeological digs', 'the American Civil War',
    ],
    sentences: [
      'Historians reconstruct {s} from letters, coins and buried ruins.',
      'The empire rose through trade and war, and fell within a century.',
      'Archaeologists uncovered artefacts that changed the story of {s}.',
      'Kings, soldiers and merchants all left their mark on {s}.',
      'Scholars still argue about what caused the decline of {s}.',
      'Museums display maps and weapons from {s} alongside relics of {t}.',
      'The treaty ended decades of conflict and redrew the borders of Europe.',
      'Ancient chronicles describe {s} in vivid and sometimes exaggerated detail.',
      'Understanding {s} helps explain the politics of the centuries that followed.',
      'A revolution in ideas spread from city to city during {s}.',
    ],
  },
  {
    category: 'gardening',
    subjects: [
      'tomato plants', 'compost heaps', 'rose bushes', 'vegetable beds', 'fruit trees', 'herb gardens',
      'spring bulbs', 'garden soil', 'greenhouses', 'pruning shrubs', 'wildflower meadows', 'watering plants',
      'seed starting', 'garden pests', 'lawn care', 'raised beds', 'climbing vines', 'potted succulents',
      'mulching', 'bees and pollinators', 'orchard harvests',
    ],
    sentences: [
      'Gardeners plant {s} in early spring once the frost has passed.',
      'Rich soil, sunlight and steady watering help {s} thrive.',
      'Pull the weeds by hand and spread compost around {s} every autumn.',
      'The seeds sprouted within a week under the warm greenhouse glass.',
      'Aphids and slugs love {s}, so check the leaves every morning.',
      'Planting {s} next to {t} attracts bees and keeps the beds healthy.',
      'Prune dead branches in winter so that new shoots grow in spring.',
      'A small balcony is enough to grow {s} in pots.',
      'The harvest was generous this year, with baskets of fruit and vegetables.',
      'Old gardening books say {s} need patience more than fertiliser.',
    ],
  },
];
