// What a group of an emulator's routes returns for a path that is not its own.
export const UNMATCHED = Symbol('unmatched');
