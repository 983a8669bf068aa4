/** Shared internal types of the emulator (no imports from the app). */
export type ParamValue = string | ParamObject | ParamValue[];
export interface ParamObject {
  [key: string]: ParamValue;
}

/** Every stored API object has at least an id and an object type. */
export interface StoredObject {
  id: string;
  object: string;
  [key: string]: unknown;
}

/** A stored object typed with the SDK's shape (fields present are checked against the SDK types). */
export type Obj<T> = Partial<T> & { id: string; object: string };

export type Metadata = Record<string, string>;
