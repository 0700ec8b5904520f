import { RequestMethod, type INestApplicationContext, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_PATH, PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, RouterModule } from '@nestjs/core';
import { targetModulesByContainer } from '@nestjs/core/router/router-module';

/** Lower-case HTTP methods as OpenAPI names them in a path item. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One HTTP route a Nest controller serves. */
export interface HttpRoute {
  method: HttpMethod;
  /** OpenAPI path template: `/api/v1/jobs/{id}` (express `:id` becomes `{id}`). */
  path: string;
  controller: Type<unknown>;
  /** The handler function (the target of route metadata such as `@RequireScopes`). */
  handler: (...args: unknown[]) => unknown;
  handlerName: string;
}

const METHOD_NAMES: Partial<Record<RequestMethod, HttpMethod>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.OPTIONS]: 'options',
  [RequestMethod.HEAD]: 'head',
};

/** `GET /api/v1/jobs/{id}`: how routes are compared and reported. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/**
 * Express path syntax → OpenAPI path template: `:id` → `{id}`, one leading
 * slash, no trailing slash, no doubled slashes. Wildcards (`*path`) have no
 * OpenAPI form and are kept as they are, so a comparison shows them.
 */
export function toOpenApiPath(...segments: string[]): string {
  const joined = segments
    .flatMap((s) => s.split('/'))
    .filter((s) => s !== '')
    .join('/');
  return `/${joined}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [''];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * Every HTTP route the app's controllers declare, read from Nest's own module
 * container and route metadata (`@Controller` / `@Get` … paths, RouterModule
 * module paths), sorted by path then method. Works on an app created with
 * `{ preview: true }` (no provider is instantiated, nothing connects), which is
 * how tests list the routes of an app module without starting it. NATS handlers
 * (`@MessagePattern`) carry no path and are not routes.
 *
 * Not supported, and refused so that a comparison cannot silently pass: a global
 * prefix (read by the caller: pass it as `globalPrefix`), URI versioning,
 * `@All()` / `@Search()` routes, and `RouterModule` paths of a preview app
 * (RouterModule records them when it is instantiated, which preview skips).
 */
export function listHttpRoutes(app: INestApplicationContext, opts: { globalPrefix?: string } = {}): HttpRoute[] {
  const container = app.get(ModulesContainer);
  if ([...container.values()].some((m) => m.metatype === RouterModule) && !targetModulesByContainer.has(container)) {
    throw new Error('listHttpRoutes: RouterModule paths are only recorded once the app is created; list the routes of a created app, not a { preview: true } one');
  }
  const scanner = new MetadataScanner();
  const seen = new Map<string, HttpRoute>();
  for (const moduleRef of container.values()) {
    const modulePath = moduleRef.metatype
      ? ((Reflect.getMetadata(MODULE_PATH + container.applicationId, moduleRef.metatype) as string | undefined) ??
        (Reflect.getMetadata(MODULE_PATH, moduleRef.metatype) as string | undefined) ??
        '')
      : '';
    for (const wrapper of moduleRef.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller || typeof controller !== 'function') continue;
      const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller));
      if (Reflect.getMetadata(VERSION_METADATA, controller) !== undefined) {
        throw new Error(`listHttpRoutes: ${controller.name} is versioned; versioned routes are not supported`);
      }
      const prototype = controller.prototype as Record<string, (...args: unknown[]) => unknown>;
      for (const handlerName of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[handlerName];
        const methodPath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (methodPath === undefined) continue;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
        const method = METHOD_NAMES[requestMethod];
        if (!method) throw new Error(`listHttpRoutes: ${controller.name}.${handlerName} uses ${RequestMethod[requestMethod]}, which has no single OpenAPI method`);
        if (Reflect.getMetadata(VERSION_METADATA, handler) !== undefined) {
          throw new Error(`listHttpRoutes: ${controller.name}.${handlerName} is versioned; versioned routes are not supported`);
        }
        for (const c of controllerPaths) {
          for (const m of asList(methodPath)) {
            const path = toOpenApiPath(opts.globalPrefix ?? '', modulePath, c, m);
            const key = routeKey(method, path);
            // Express dispatches to the first registration of a path; later duplicates are unreachable.
            if (!seen.has(key)) seen.set(key, { method, path, controller, handler, handlerName });
          }
        }
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
