import { z } from 'zod';
import type { ApiRegistry, RouteDoc } from './registry.js';

type JsonSchema = Record<string, unknown>;

/** An OpenAPI 3.1 document (only the parts Patron fills in are typed). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema>; responses: Record<string, unknown> };
  security: Array<Record<string, string[]>>;
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

/** Request-side JSON Schema of a zod schema (what a client sends, before transforms). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** `/customers/:id` → `/api/customers/{id}`. */
export function openApiPath(path: string): string {
  return `/api${path.replace(/:(\w+)/g, '{$1}')}`;
}

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): unknown[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema);
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: s, ...(s.description ? { description: s.description } : {}) }));
}

function whoMay(doc: RouteDoc): string {
  if (doc.access === 'public') return 'Public (no token).';
  if (doc.access === 'signed-in') return 'Any signed-in staff member.';
  return `Roles: ${['admin', ...doc.access.filter((r) => r !== 'admin')].join(', ')}.`;
}

function operationId(doc: RouteDoc): string {
  const words = doc.path.split(/[/:-]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1));
  return doc.method + words.join('');
}

function operation(doc: RouteDoc): Record<string, unknown> {
  const status = String(doc.response.status ?? 200);
  const ok = doc.response.schema
    ? { description: doc.response.description, content: { 'application/json': { schema: jsonSchemaOf(doc.response.schema) } } }
    : { description: doc.response.description, ...(status === '204' ? {} : { content: { 'application/json': { schema: {} } } }) };
  const responses: Record<string, unknown> = { [status]: ok, '400': { $ref: '#/components/responses/BadRequest' } };
  if (doc.access !== 'public') Object.assign(responses, { '401': { $ref: '#/components/responses/Unauthorized' }, '403': { $ref: '#/components/responses/Forbidden' } });
  if (doc.params) responses['404'] = { $ref: '#/components/responses/NotFound' };
  const headers = (doc.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: h.required ?? false, description: h.description, schema: { type: 'string' } }));
  return {
    operationId: operationId(doc),
    summary: doc.summary,
    description: [doc.description, whoMay(doc)].filter(Boolean).join('\n\n'),
    tags: [doc.tag],
    'x-roles': doc.access === 'public' || doc.access === 'signed-in' ? doc.access : ['admin', ...doc.access.filter((r) => r !== 'admin')],
    ...(doc.access === 'public' ? { security: [] } : {}),
    parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query'), ...headers],
    ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(doc.body) } } } } : {}),
    responses,
  };
}

/** Builds the OpenAPI 3.1 document of every route in `registry` (later duplicates of a method + path are ignored). */
export function buildOpenApiDocument(registry: ApiRegistry, info: { title?: string; version?: string } = {}): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const doc of registry.list()) {
    const path = openApiPath(doc.path);
    paths[path] ??= {};
    if (paths[path][doc.method]) continue;
    paths[path][doc.method] = operation(doc);
    tags.add(doc.tag);
  }
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  return {
    openapi: '3.1.0',
    info: { title: info.title ?? 'Patron Admin API', version: info.version ?? '1.0.0', description: 'Bearer-token admin API. Errors are `{error: {code, message, details?}}`; lists are paginated.' },
    servers: [{ url: '/' }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, a staff API token, or a session token from POST /api/auth/login' } },
      schemas: { Error: ERROR_SCHEMA },
      responses: {
        BadRequest: errorResponse('Validation failed; the message names the field'),
        Unauthorized: errorResponse('Missing or invalid bearer token'),
        Forbidden: errorResponse('The signed-in staff member lacks the role'),
        NotFound: errorResponse('No such resource'),
      },
    },
    security: [{ bearer: [] }],
  };
}
