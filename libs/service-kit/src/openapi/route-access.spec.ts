import { SetMetadata } from '@nestjs/common';
import { Public } from '../http/public-route';
import { metadataRouteAccess, publicOnlyRouteAccess } from './route-access';

// Stand-ins for libs/auth's keys (service-kit cannot depend on libs/auth, which depends on it).
const KEYS = { scopes: 'test:scopes', queryToken: 'test:query-token', operator: 'test:operator' };
const Scopes = (...s: string[]) => SetMetadata(KEYS.scopes, s);
const QueryToken = (v = true) => SetMetadata(KEYS.queryToken, v);
const Operator = (ticket: 'required' | 'optional') => SetMetadata(KEYS.operator, { ticket });

@Scopes('orch:read')
class ReadController {
  plain(): undefined {
    return undefined;
  }
  @Scopes('orch:operate')
  @Operator('optional')
  cancel(): undefined {
    return undefined;
  }
  @Scopes('orch:read')
  @QueryToken()
  stream(): undefined {
    return undefined;
  }
  @Public()
  discovery(): undefined {
    return undefined;
  }
}

@QueryToken()
@Operator('required')
class StreamController {
  @Scopes('orch:backfill')
  backfill(): undefined {
    return undefined;
  }
  @Scopes('orch:read')
  @QueryToken(false)
  noQuery(): undefined {
    return undefined;
  }
}

class UnclassifiedController {
  nothing(): undefined {
    return undefined;
  }
}

@Public()
class ProbeController {
  probe(): undefined {
    return undefined;
  }
}

const access = metadataRouteAccess(KEYS);
const of = (controller: { prototype: object }, name: string) => ({
  controller: controller as never,
  handler: (controller.prototype as Record<string, (...args: unknown[]) => unknown>)[name],
});

describe('metadataRouteAccess', () => {
  it('takes the controller\'s scopes for a handler that declares none', () => {
    expect(access(of(ReadController, 'plain'))).toEqual({ public: false, scopes: ['orch:read'], queryToken: false });
  });

  it('adds up handler and controller scopes, once each, as the guard requires them all', () => {
    expect(access(of(ReadController, 'cancel'))).toEqual({ public: false, scopes: ['orch:operate', 'orch:read'], queryToken: false, operator: { ticket: 'optional' } });
    expect(access(of(ReadController, 'stream'))).toEqual({ public: false, scopes: ['orch:read'], queryToken: true });
  });

  it('lets the handler\'s query-token flag override the controller\'s, and inherits the controller\'s operator policy', () => {
    expect(access(of(StreamController, 'backfill'))).toEqual({ public: false, scopes: ['orch:backfill'], queryToken: true, operator: { ticket: 'required' } });
    expect(access(of(StreamController, 'noQuery'))).toMatchObject({ queryToken: false });
  });

  it('reads @Public() on the handler or the controller', () => {
    expect(access(of(ReadController, 'discovery'))).toEqual({ public: true });
    expect(access(of(ProbeController, 'probe'))).toEqual({ public: true });
  });

  it('answers undefined for a route that declares nothing (the guard answers it 500)', () => {
    expect(access(of(UnclassifiedController, 'nothing'))).toBeUndefined();
  });
});

describe('publicOnlyRouteAccess', () => {
  it('knows public routes and nothing else', () => {
    expect(publicOnlyRouteAccess(of(ProbeController, 'probe'))).toEqual({ public: true });
    expect(publicOnlyRouteAccess(of(ReadController, 'plain'))).toBeUndefined();
  });
});
