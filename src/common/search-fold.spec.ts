import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldTable, searchFold } from 'src/common/search-fold';

describe('search folding', () => {
  it('folds Vietnamese names to lower case without diacritics', () => {
    expect(searchFold('Trần Thị Ngọc Ánh')).toBe('tran thi ngoc anh');
    expect(searchFold('ĐẶNG VĂN ĐỨC')).toBe('dang van duc');
    // Decomposed input (as some keyboards send it) folds the same.
    expect(searchFold('Nguye\u0302\u0303n  Ho\u0302̀ng')).toBe('nguyen hong');
  });

  it('uses the very table the migration wrote into sla_search_fold', () => {
    const src = readFileSync(join(__dirname, '../../migrations/1765900000000-counter-search.ts'), 'utf8');
    const from = /const FROM = '([^']*)'/.exec(src)![1];
    const to = /const TO = '([^']*)'/.exec(src)![1];
    expect({ from, to }).toEqual(foldTable());
    for (let i = 0; i < from.length; i++) expect(searchFold(from[i])).toBe(to[i]);
  });
});
