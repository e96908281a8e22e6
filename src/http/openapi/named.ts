import { z } from 'zod';

/**
 * The schemas the OpenAPI document names (its `components/schemas`): request bodies and response bodies, each
 * under one id. Descriptions stay on the schemas themselves (`.describe()`), where zod's JSON Schema output finds them.
 */
export const namedSchemas = z.registry<{ id: string }>();
const ids = new Set<string>();

/** Registers `schema` under `id` and returns it, so a schema is declared and named in one expression. */
export function named<S extends z.ZodType>(id: string, schema: S): S {
  if (ids.has(id)) throw new Error(`two schemas are named ${id}`);
  ids.add(id);
  namedSchemas.add(schema, { id });
  return schema;
}

/** The id a schema is named by, if it is. */
export const nameOf = (schema: z.ZodType): string | undefined => namedSchemas.get(schema)?.id;

/** A schema's JSON Schema (its input side), without the `$schema` line: for a part of a larger description. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
