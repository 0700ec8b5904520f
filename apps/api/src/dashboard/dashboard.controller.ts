import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@orch/auth';
import { OrchError } from '@orch/contracts';
import type { Request, Response } from 'express';
import { DashboardAsset } from './dashboard-assets';
import { DashboardClientConfig, DashboardSettings } from './dashboard-settings';

/** Injection token of the asset map ({@link loadDashboardAssets}). */
export const DASHBOARD_ASSETS = Symbol('DASHBOARD_ASSETS');
/** Injection token of {@link DashboardSettings}. */
export const DASHBOARD_SETTINGS = Symbol('DASHBOARD_SETTINGS');

/**
 * `/dashboard/`: the operator dashboard, a static single-page app. Public: the
 * files hold no data; the browser code calls the API with the bearer token the
 * operator pastes (or brings in the URL fragment), like any other client.
 * Not part of the API, so not in the OpenAPI document.
 */
@Public()
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(
    @Inject(DASHBOARD_ASSETS) private readonly assets: Map<string, DashboardAsset>,
    @Inject(DASHBOARD_SETTINGS) private readonly settings: DashboardSettings,
  ) {}

  /** The page. `/dashboard` redirects to `/dashboard/` so the page's relative module URLs resolve. */
  @Get()
  index(@Req() req: Request, @Res() res: Response): void {
    const [pathname, query] = splitUrl(req.originalUrl);
    // Relative, so it also works behind a proxy that mounts the api under a prefix.
    if (!pathname.endsWith('/')) return res.redirect(301, `dashboard/${query}`);
    this.send(req, res, 'index.html');
  }

  /** Where the browser finds the event-notifier (`DASHBOARD_EVENTS_URL`). */
  @Get('config.json')
  config(@Res({ passthrough: true }) res: Response): DashboardClientConfig {
    this.secure(res);
    res.setHeader('Cache-Control', 'no-store');
    return this.settings.client;
  }

  /** Scripts and styles; anything not in the asset map is a 404. */
  @Get('*path')
  asset(@Req() req: Request, @Res() res: Response): void {
    const [pathname] = splitUrl(req.originalUrl);
    const rel = pathname.slice(pathname.indexOf('/dashboard/') + '/dashboard/'.length);
    this.send(req, res, rel);
  }

  private send(req: Request, res: Response, rel: string): void {
    const asset = this.assets.get(rel);
    if (!asset) throw new OrchError('notFound', `no dashboard file ${rel.slice(0, 100)}`);
    this.secure(res);
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', asset.etag);
    if (req.headers['if-none-match'] === asset.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).end(asset.body);
  }

  private secure(res: Response): void {
    res.setHeader('Content-Security-Policy', this.settings.contentSecurityPolicy);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    // The page URL may carry the token in its fragment (never sent), and stream URLs carry it in the query.
    res.setHeader('Referrer-Policy', 'no-referrer');
  }
}

function splitUrl(url: string): [string, string] {
  const i = url.indexOf('?');
  return i < 0 ? [url, ''] : [url.slice(0, i), url.slice(i)];
}
