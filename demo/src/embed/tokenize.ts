/**
 * Lowercase word tokens as the GloVe vocabulary spells them: accents folded ("café" -> "cafe"), anything that is
 * not a letter or digit splits words, so "e-mail" gives "e", "mail" and "don't" gives "don", "t" (both ends are
 * frequent words the SIF weights shrink to almost nothing).
 */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}
