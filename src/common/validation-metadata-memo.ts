import { getMetadataStorage, type MetadataStorage } from 'class-validator';

type Lookup = MetadataStorage['getTargetValidationMetadatas'];
type ValidationMetadata = ReturnType<Lookup>[number];

const installed = new WeakSet<MetadataStorage>();

/**
 * class-validator resolves a class's rules (its own and its ancestors') on every validate() call by
 * scanning every decorated class of the application (`prototype instanceof` each one): about a
 * tenth of the API's CPU per request on the hot routes (typestack/class-validator#2686, open).
 * The answer depends only on the arguments and on the metadata registered, which decorators add
 * when a class is loaded: so it is kept per target and arguments, and forgotten whenever metadata
 * is added (a class loaded later, @nestjs/mapped-types copying rules onto a derived DTO). twenty's
 * server does the same (twentyhq/twenty#24085). Callers only read the returned arrays.
 */
export function memoizeValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  if (installed.has(storage)) return;
  installed.add(storage);
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let memo = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  storage.addValidationMetadata = (metadata: ValidationMetadata) => {
    memo = new WeakMap();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (targetConstructor, targetSchema, always, strictGroups, groups) => {
    // Only constructors are kept (a WeakMap key); anything else is looked up as before.
    if (typeof targetConstructor !== 'function') {
      return lookup(targetConstructor, targetSchema, always, strictGroups, groups);
    }
    // `groups` undefined and [] select the same rules; group names are strings.
    const key = `${targetSchema}\u0000${always}\u0000${strictGroups}\u0000${(groups ?? []).join('\u0001')}`;
    let byArgs = memo.get(targetConstructor);
    if (!byArgs) {
      byArgs = new Map();
      memo.set(targetConstructor, byArgs);
    }
    let found = byArgs.get(key);
    if (!found) {
      found = lookup(targetConstructor, targetSchema, always, strictGroups, groups);
      byArgs.set(key, found);
    }
    return found;
  };
}
