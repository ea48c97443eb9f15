/**
 * The operations of an OpenAPI document (every path × method), and values that satisfy a JSON
 * Schema, for the fuzz suite: the baseline request of each operation is built from them.
 */

/** The part of JSON Schema (draft 2020-12, as zod writes it) the fuzz reads. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** `POST /api/campaigns/{id}`: how failures name it, and what FUZZ_OP filters on. */
  key: string;
  method: string;
  /** The document's path, with `{name}` for each path parameter. */
  path: string;
  parameters: Parameter[];
  /** The JSON body's schema, when the operation takes JSON. */
  jsonBody?: JsonSchema;
  /** Bodies that are files (content type → the document's example), when it takes those. */
  files?: Record<string, string>;
  /** Callable without a token (`security: []`). */
  public: boolean;
  /** The statuses the document says it answers. */
  statuses: number[];
}

interface OpenApiOperation {
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema; example?: string }> };
  responses?: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const json = content['application/json'];
      const files = Object.entries(content).filter(([type]) => type !== 'application/json');
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in as Parameter['in'],
          required: p.in === 'path' || p.required === true,
          schema: p.schema ?? {},
        })),
        ...(json ? { jsonBody: json.schema ?? {} } : {}),
        ...(files.length ? { files: Object.fromEntries(files.map(([type, c]) => [type, c.example ?? ''])) } : {}),
        public: Array.isArray(op.security) && op.security.length === 0,
        statuses: Object.keys(op.responses ?? {}).map(Number),
      });
    }
  }
  return operations;
}

/** The schema's own type(s), with `anyOf`'s null variant set aside. */
export function typesOf(schema: JsonSchema): string[] {
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.enum) return [...new Set(schema.enum.map((v) => (v === null ? 'null' : typeof v)))];
  if (schema.const !== undefined) return [typeof schema.const];
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return [...new Set(variants.flatMap(typesOf))];
  if (schema.properties) return ['object'];
  return [];
}

/** The variant of a union to build a value from: the first that is not null. */
export function mainVariant(schema: JsonSchema): JsonSchema {
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants) return schema;
  return mainVariant(variants.find((v) => !typesOf(v).every((t) => t === 'null')) ?? variants[0]!);
}

/** Strings tried, in order, for a pattern the document gives (the first that matches is used). */
const PATTERN_CANDIDATES = ['08:00', '21:00', 'US', '1', 'step', 'fuzz-1', 'Fuzz', 'x'];

export type Hints = Record<string, unknown>;

/**
 * A value the schema accepts, for the field called `name`. `hints` gives a field's value by name
 * where the schema alone cannot say what the server accepts (an existing candidate's id, a valid
 * sequence); a hint of `undefined` leaves an optional field out.
 */
export function validValue(schema: JsonSchema, name: string, hints: Hints): unknown {
  if (name in hints) return hints[name];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const s = mainVariant(schema);
  if (s !== schema) return validValue(s, name, hints);
  if (s.allOf?.length) return validValue(Object.assign({}, ...s.allOf) as JsonSchema, name, hints);
  const type = typesOf(s)[0] ?? 'string';
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(s.properties ?? {})) {
        const value = validValue(prop, key, hints);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    case 'array': {
      const count = Math.max(1, s.minItems ?? 0);
      return Array.from({ length: count }, () => validValue(s.items ?? {}, name, hints));
    }
    case 'integer':
    case 'number': {
      if (s.minimum !== undefined) return Math.max(s.minimum, type === 'integer' ? Math.ceil(s.minimum) : s.minimum);
      if (s.exclusiveMinimum !== undefined) return Math.floor(s.exclusiveMinimum) + 1;
      return s.maximum !== undefined ? Math.min(1, s.maximum) : 1;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return stringFor(s);
  }
}

function stringFor(s: JsonSchema): string {
  const min = s.minLength ?? 1;
  const fits = (v: string) => v.length >= min && (s.maxLength === undefined || v.length <= s.maxLength);
  if (s.format === 'date-time') return '2026-03-10T15:00:00Z';
  if (s.format === 'email') return 'fuzz@example.test';
  if (s.pattern) {
    const pattern = new RegExp(s.pattern, 'u');
    const found = PATTERN_CANDIDATES.find((v) => pattern.test(v) && fits(v));
    if (found) return found;
  }
  return 'x'.repeat(Math.max(min, 1));
}

/** A field of a JSON body: where it is, its schema, and whether its object requires it. */
export interface Field {
  path: (string | number)[];
  schema: JsonSchema;
  required: boolean;
}

/** Every field of `value` (built from `schema`), depth first, objects' own fields after them. */
export function fieldsOf(schema: JsonSchema, value: unknown, path: (string | number)[] = []): Field[] {
  const s = mainVariant(schema);
  const fields: Field[] = [];
  if (value && typeof value === 'object' && !Array.isArray(value) && s.properties) {
    for (const [key, prop] of Object.entries(s.properties)) {
      if (!(key in (value as object))) continue;
      const child = (value as Record<string, unknown>)[key];
      fields.push({ path: [...path, key], schema: prop, required: s.required?.includes(key) ?? false });
      fields.push(...fieldsOf(prop, child, [...path, key]));
    }
  } else if (Array.isArray(value) && s.items && value.length) {
    fields.push(...fieldsOf(s.items, value[0], [...path, 0]));
  }
  return fields;
}

/** A copy of `value` with the field at `path` set (or removed, for `remove`). */
export function withField(value: unknown, path: (string | number)[], replacement: unknown, remove = false): unknown {
  const copy = structuredClone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}
