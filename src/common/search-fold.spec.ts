import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { foldTable, searchFold, searchTerms } from 'src/common/search-fold';

describe('search folding', () => {
  it('folds Vietnamese names to lower case without diacritics', () => {
    expect(searchFold('Trần Thị Ngọc Ánh')).toBe('tran thi ngoc anh');
    expect(searchFold('ĐẶNG VĂN ĐỨC')).toBe('dang van duc');
    // Decomposed input (as some keyboards send it) folds the same.
    expect(searchFold('Nguye\u0302\u0303n  Ho\u0302̀ng')).toBe('nguyen hong');
  });

  it('uses the very table the migration wrote into sla_search_fold', () => {
    const src = readFileSync(join(__dirname, '../../migrations/1765900000000-counter-search.ts'), 'utf8');
    const from = /const FROM =\s*'([^']*)'/.exec(src)![1];
    const to = /const TO =\s*'([^']*)'/.exec(src)![1];
    expect({ from, to }).toEqual(foldTable());
    for (let i = 0; i < from.length; i++) expect(searchFold(from[i])).toBe(to[i]);
  });

  it('splits a search into terms; digits with separators are a phone or part of a code', () => {
    expect(searchTerms('  Ngọc  ÁNH ')).toEqual([['ngoc'], ['anh']]);
    expect(searchTerms('0935 246 810')).toEqual([['0935246810']]);
    expect(searchTerms('0935.246.810')).toEqual([['0935.246.810', '0935246810']]);
    expect(searchTerms('260311-0006')).toEqual([['260311-0006', '2603110006']]);
    expect(searchTerms('H15.50-2603')).toEqual([['h15.50-2603']]);
    expect(searchTerms('046190007788')).toEqual([['046190007788']]);
  });
});
