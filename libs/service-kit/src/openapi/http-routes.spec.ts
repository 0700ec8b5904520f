import { Controller, Delete, Get, Module, Post, Version } from '@nestjs/common';
import { NestFactory, RouterModule } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { listHttpRoutes, routeKey, toOpenApiPath } from './http-routes';

describe('toOpenApiPath', () => {
  it.each([
    [['api/v1/jobs', ':id'], '/api/v1/jobs/{id}'],
    [['/api/v1/', '/jobs/', ''], '/api/v1/jobs'],
    [['', ''], '/'],
    [['webhooks', 'deliveries/:deliveryId/redeliver'], '/webhooks/deliveries/{deliveryId}/redeliver'],
    [['dashboard', '*path'], '/dashboard/*path'],
  ])('joins %j as %s', (segments, path) => {
    expect(toOpenApiPath(...segments)).toBe(path);
  });
});

@Controller('api/v1/jobs')
class JobsController {
  @Get()
  list(): undefined {
    return undefined;
  }
  @Get(':id')
  get(): undefined {
    return undefined;
  }
  @Post(':id/cancel')
  cancel(): undefined {
    return undefined;
  }
  /** Not a route: a NATS handler. */
  @MessagePattern('orch.cmd.x.y')
  command(): undefined {
    return undefined;
  }
  helper(): undefined {
    return undefined;
  }
}

@Controller()
class RootController {
  @Get(['healthz', 'readyz'])
  probe(): undefined {
    return undefined;
  }
  @Delete('api/v1/jobs/:id')
  remove(): undefined {
    return undefined;
  }
}

@Controller('items')
class NestedController {
  @Get(':itemId')
  get(): undefined {
    return undefined;
  }
}

@Module({ controllers: [NestedController] })
class NestedModule {}

@Module({ imports: [NestedModule, RouterModule.register([{ path: 'admin', module: NestedModule }])], controllers: [JobsController, RootController] })
class AppModule {}

@Controller('v')
class VersionedController {
  @Get()
  @Version('2')
  get(): undefined {
    return undefined;
  }
}

@Module({ controllers: [VersionedController] })
class VersionedModule {}

describe('listHttpRoutes', () => {
  /** The routes of an app created (not listening: the controllers have no dependencies, nothing connects). */
  const routesOf = async (module: new () => unknown, prefix?: string, preview = false) => {
    const app = await NestFactory.create(module, { preview, logger: false });
    try {
      return listHttpRoutes(app, prefix === undefined ? {} : { globalPrefix: prefix }).map((r) => routeKey(r.method, r.path));
    } finally {
      await app.close();
    }
  };

  it('lists every HTTP route of the controllers, with module paths and multiple paths, but no NATS handler', async () => {
    expect(await routesOf(AppModule)).toEqual([
      'GET /admin/items/{itemId}',
      'GET /api/v1/jobs',
      'DELETE /api/v1/jobs/{id}',
      'GET /api/v1/jobs/{id}',
      'POST /api/v1/jobs/{id}/cancel',
      'GET /healthz',
      'GET /readyz',
    ]);
  });

  it('lists the routes of a preview app (nothing instantiated) too', async () => {
    expect(await routesOf(NestedModule, undefined, true)).toEqual(['GET /items/{itemId}']);
  });

  it('refuses the RouterModule paths of a preview app, which are recorded only when the app is created', async () => {
    await expect(routesOf(AppModule, undefined, true)).rejects.toThrow(/RouterModule paths are only recorded once the app is created/);
  });

  it('puts a global prefix in front of every route', async () => {
    expect(await routesOf(NestedModule, 'svc')).toEqual(['GET /svc/items/{itemId}']);
  });

  it('refuses versioned routes rather than listing paths that are not served', async () => {
    await expect(routesOf(VersionedModule)).rejects.toThrow(/VersionedController\.get is versioned/);
  });
});
