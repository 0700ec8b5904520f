import { Controller, Get, Header, Injectable, Module, type INestApplication } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, type OpenAPIObject } from '@nestjs/swagger';
import { OrchError } from '@orch/contracts';
import { Public } from '../http/public-route';
import { buildOpenApiDocument, OPENAPI_VERSION, type OpenApiOptions } from './openapi-document';

/** Where the document is served. */
export const OPENAPI_PATH = '/.well-known/openapi';
/** Clients and caches may keep the document this long; it changes only with a deployment. */
export const OPENAPI_CACHE_CONTROL = 'public, max-age=300';

/** Holds the app's document once {@link setupOpenApi} has built it. */
@Injectable()
export class OpenApiDocumentStore {
  private doc?: OpenAPIObject;

  set(doc: OpenAPIObject): void {
    this.doc = doc;
  }

  get document(): OpenAPIObject | undefined {
    return this.doc;
  }
}

/** `GET /.well-known/openapi`: the service's own OpenAPI 3.1 document. Public: discovery needs no token. */
@Public()
@ApiTags('discovery')
@Controller('.well-known')
export class OpenApiController {
  constructor(private readonly store: OpenApiDocumentStore) {}

  @Get('openapi')
  @Header('Cache-Control', OPENAPI_CACHE_CONTROL)
  @ApiOperation({
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    description: `The OpenAPI ${OPENAPI_VERSION} description of this service, generated from its code. Cacheable for 5 minutes; answers conditional requests (ETag).`,
  })
  @ApiOkResponse({
    description: `An OpenAPI ${OPENAPI_VERSION} document.`,
    headers: { 'Cache-Control': { description: `\`${OPENAPI_CACHE_CONTROL}\``, schema: { type: 'string' } } },
    content: {
      'application/json': {
        schema: { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { type: 'string', examples: [OPENAPI_VERSION] } } },
      },
    },
  })
  document(): OpenAPIObject {
    const doc = this.store.document;
    if (!doc) throw new OrchError('internal', 'the OpenAPI document was not built: call setupOpenApi(app, …) in bootstrapService configure');
    return doc;
  }
}

/**
 * Serves the document built by {@link setupOpenApi} at `/.well-known/openapi`.
 * Import it in the app's root module; `setupOpenApi` refuses to run without it.
 */
@Module({ controllers: [OpenApiController], providers: [OpenApiDocumentStore] })
export class OpenApiModule {}

/**
 * Builds the app's OpenAPI 3.1 document ({@link buildOpenApiDocument}) and
 * serves it at `GET /.well-known/openapi` (needs {@link OpenApiModule} in the
 * root module). Call it in `bootstrapService`'s `configure`, so a document that
 * cannot be built stops the service at boot rather than at the first request.
 *
 * @returns the document, for logging or tests.
 */
export function setupOpenApi(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  let store: OpenApiDocumentStore;
  try {
    store = app.get(OpenApiDocumentStore, { strict: false });
  } catch (cause) {
    throw new OrchError('internal', 'setupOpenApi needs OpenApiModule in the imports of the root module', { cause });
  }
  const doc = buildOpenApiDocument(app, options);
  store.set(doc);
  return doc;
}
