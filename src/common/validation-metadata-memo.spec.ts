import { IsInt, IsString, MaxLength, MetadataStorage, getMetadataStorage, validateSync } from 'class-validator';
import { UnitListQueryDto } from 'src/catalogue/dto/unit.dto';
import { IntakeDto, ListDossiersQuery } from 'src/dossiers/dto/dossier.dto';
import { memoizeValidationMetadata } from './validation-metadata-memo';

const unmemoized = MetadataStorage.prototype.getTargetValidationMetadatas;

/** The rules validateSync reports broken, as `property:rule`. */
function broken(o: object, groups?: string[]): string[] {
  return validateSync(o, groups ? { groups } : {})
    .flatMap((e) => Object.keys(e.constraints ?? {}).map((rule) => `${e.property}:${rule}`))
    .sort();
}

describe("class-validator's rule lookup, memoised", () => {
  beforeAll(() => memoizeValidationMetadata());

  it('answers what the library itself answers, for the DTOs of the hot routes', () => {
    const storage = getMetadataStorage();
    for (const cls of [IntakeDto, ListDossiersQuery, UnitListQueryDto]) {
      for (const groups of [undefined, [], ['x']]) {
        const memo = storage.getTargetValidationMetadatas(cls, '', false, false, groups);
        expect(memo).toEqual(unmemoized.call(storage, cls, '', false, false, groups));
        expect(storage.getTargetValidationMetadatas(cls, '', false, false, groups)).toBe(memo);
      }
    }
  });

  it('sees a rule added to a class after the class was first validated', () => {
    class Late {
      name: unknown = 'ok';
      size: unknown = 'large';
    }
    IsString()(Late.prototype, 'name');
    expect(broken(new Late())).toEqual([]);
    // A decorator applied later (as @nestjs/mapped-types does on a derived class).
    IsInt()(Late.prototype, 'size');
    expect(broken(new Late())).toEqual(['size:isInt']);
  });

  it("gives a subclass loaded later its ancestors' rules and its own", () => {
    class Base {
      code: unknown = 'H15.50.01.02.03';
    }
    MaxLength(5)(Base.prototype, 'code');
    expect(broken(new Base())).toEqual(['code:maxLength']);
    class Derived extends Base {
      count: unknown = 'three';
    }
    IsInt()(Derived.prototype, 'count');
    expect(broken(new Derived())).toEqual(['code:maxLength', 'count:isInt']);
    expect(broken(new Base())).toEqual(['code:maxLength']);
  });

  it('keeps the rules chosen by groups and strictGroups apart', () => {
    class Grouped {
      a: unknown = 1;
      b: unknown = 2;
    }
    IsString({ groups: ['strict'] })(Grouped.prototype, 'a');
    IsString()(Grouped.prototype, 'b');
    const strictOnly = () => validateSync(new Grouped(), { strictGroups: true }).map((e) => e.property);
    // The library's own semantics: without groups every rule applies; with a group only its rules;
    // with strictGroups and no group only the ungrouped ones.
    expect(broken(new Grouped())).toEqual(['a:isString', 'b:isString']);
    expect(broken(new Grouped(), ['strict'])).toEqual(['a:isString']);
    expect(strictOnly()).toEqual(['b']);
    expect(broken(new Grouped())).toEqual(['a:isString', 'b:isString']);
    expect(broken(new Grouped(), ['strict'])).toEqual(['a:isString']);
  });
});
