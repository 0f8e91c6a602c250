import { foldForSearch } from 'src/catalogue/procedure-rules';

/**
 * Text folded for searching as a clerk types: lower case, without diacritics ("Trần Thị Ánh" →
 * "tran thi anh"), đ → d (the catalogue's folding of procedure names, one function for both). The same folding as the SQL function sla_search_fold of migration
 * 1765900000000 (whose fold fills dossier_search.search_text), so a term folded here matches a column folded there.
 */
export const searchFold: (s: string) => string = foldForSearch;

/**
 * The letters sla_search_fold translates, and what each becomes: every precomposed Latin letter
 * of U+00C0–U+1EFF whose decomposition is an ASCII letter with marks (the Vietnamese letters in
 * both cases among them), and Đ/đ. Fixed in the migration's text when it was written.
 */
export function foldTable(): { from: string; to: string } {
  let from = 'đĐ';
  let to = 'dd';
  for (let cp = 0xc0; cp <= 0x1eff; cp++) {
    const c = String.fromCodePoint(cp);
    const base = c.normalize('NFD').replace(/\p{M}/gu, '');
    if (base !== c && /^[A-Za-z]$/.test(base)) {
      from += c;
      to += base.toLowerCase();
    }
  }
  return { from, to };
}

/**
 * The terms of a search as dossier_search.search_text holds them, each with its alternatives (any one
 * may match): digits with separators are a phone (its digits, as stored) or part of a code (as typed).
 */
export function searchTerms(text: string): string[][] {
  const folded = searchFold(text);
  if (/^\+?[0-9][0-9 .-]*$/.test(folded) && /[ .-]/.test(folded)) {
    const digits = folded.replace(/[ .-]/g, '');
    return folded.includes(' ') ? [[digits]] : [[folded, digits]];
  }
  return folded
    .split(' ')
    .filter(Boolean)
    .map((t) => [t]);
}
