import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

type Json = Record<string, any>;

/** ajv-formats is CommonJS: its plugin is the `default` of what an ES module imports. */
const addFormats = ajvFormats.default;

/** A JSON pointer token: `~` and `/` escaped. */
const token = (text: string) => text.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every `format` named anywhere in a schema. */
const formatsIn = (schema: unknown): string[] => typeof schema !== 'object' || schema === null ? []
  : Object.entries(schema).flatMap(([key, value]) => (key === 'format' && typeof value === 'string' ? [value] : formatsIn(value)));

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`).join('; ');

/**
 * Checks answers against an OpenAPI 3.1 document with a JSON Schema 2020-12 validator (ajv): the document is added
 * whole, so each response schema is compiled where it stands and its `$ref`s resolve as the document means them.
 */
export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });

  constructor(readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi');
  }

  /** Every Schema Object of the document (components, parameters, bodies, responses), each by where it stands. */
  schemaObjects(): Array<[where: string, schema: Json]> {
    const found: Array<[string, Json]> = Object.entries(this.document.components?.schemas ?? {})
      .map(([name, schema]) => [`components/schemas/${name}`, schema as Json]);
    for (const [path, item] of Object.entries<Json>(this.document.paths)) {
      for (const [method, op] of Object.entries<Json>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        for (const p of op.parameters ?? []) found.push([`${where} parameter ${p.name}`, p.schema]);
        for (const [type, media] of Object.entries<Json>(op.requestBody?.content ?? {})) found.push([`${where} body ${type}`, media.schema]);
        for (const [status, response] of Object.entries<Json>(op.responses)) {
          for (const [type, media] of Object.entries<Json>(response.content ?? {})) found.push([`${where} ${status} ${type}`, media.schema]);
        }
      }
    }
    return found;
  }

  /** The Schema Objects that are not valid JSON Schema 2020-12, or name a format no validator knows, with why. */
  invalidSchemas(): string[] {
    return this.schemaObjects().flatMap(([where, schema]) => [
      ...(this.ajv.validateSchema(schema) ? [] : [`${where}: ${this.ajv.errorsText(this.ajv.errors)}`]),
      ...formatsIn(schema).filter((format) => !(format in this.ajv.formats)).map((format) => `${where}: unknown format ${format}`),
    ]);
  }

  /** The operation a method and path template name, or undefined. */
  operation(method: string, template: string): Json | undefined {
    return this.document.paths[template]?.[method.toLowerCase()];
  }

  /**
   * Why an answer does not match the document, or undefined when it does: its status must be one the operation
   * documents, and a JSON body must validate against that status's schema.
   */
  mismatch(method: string, template: string, status: number, body: unknown, mediaType = 'application/json'): string | undefined {
    const op = this.operation(method, template);
    if (!op) return `${method} ${template} is not documented`;
    const response = op.responses[String(status)];
    if (!response) return `${method} ${template} answered ${status}, which it does not document (${JSON.stringify(body)})`;
    if (!response.content?.[mediaType]) return `${method} ${template} ${status} documents no ${mediaType} body`;
    if (mediaType !== 'application/json') return undefined;
    const pointer = ['paths', template, method.toLowerCase(), 'responses', String(status), 'content', mediaType, 'schema'].map(token).join('/');
    const validate = this.ajv.getSchema(`openapi#/${pointer}`)!;
    return validate(body) ? undefined
      : `${method} ${template} ${status}: ${describeErrors(validate.errors)} in ${JSON.stringify(body).slice(0, 500)}`;
  }
}
