import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '@orch/auth';
import { ArtifactView, Scopes } from '@orch/contracts';
import { ApiJsonResponse, ApiProblemResponse } from '@orch/service-kit';
import type { Response } from 'express';
import { TenantId } from '../http/tenant.decorator';
import { ApiJobIdParam, JobNotFound, Unavailable } from '../openapi-decorators';
import { downloadHeaders } from './artifact-http';
import { ARTIFACT_SCHEMAS, EXAMPLE_ARTIFACT_ID, exampleArtifact } from './artifacts.schema';
import { ArtifactsService } from './artifacts.service';

const header = (description: string, format?: string) => ({ description, schema: { type: 'string' as const, ...(format ? { format } : {}) } });

/** `GET /api/v1/jobs/{id}/artifacts`: what the job's workers published (orch:read). */
@ApiTags('artifacts')
@Controller('api/v1/jobs')
export class JobArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Get(':id/artifacts')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'listJobArtifacts',
    summary: "A job's artifacts",
    description:
      'Every artifact the job\'s workers published (all attempts), in the order the ledger recorded them: name, uri, SHA-256, size and media type. ' +
      'Download one with `GET /api/v1/artifacts/{id}/content`.',
  })
  @ApiJobIdParam()
  @ApiJsonResponse(200, { description: 'The artifacts.', schema: ARTIFACT_SCHEMAS.artifactList, examples: { one: { summary: 'One artifact', value: { items: [exampleArtifact] } } } })
  @JobNotFound()
  @Unavailable('the ledger database', false)
  async list(@TenantId() tenant: string, @Param('id') id: string): Promise<{ items: ArtifactView[] }> {
    return { items: await this.artifacts.list(tenant, id) };
  }
}

/** `GET /api/v1/artifacts/{id}/content`: an artifact's bytes, checked against the ledger before they are sent (orch:read). */
@ApiTags('artifacts')
@Controller('api/v1/artifacts')
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Get(':id/content')
  @RequireScopes(Scopes.read)
  @ApiOperation({
    operationId: 'downloadArtifact',
    summary: "An artifact's bytes",
    description:
      'Reads the artifact from the tenant\'s object-store bucket and checks it against the ledger (size, and SHA-256 of every byte) before it sends anything: ' +
      'an object that is missing or was altered is a 502 problem (`artifact_missing`, `artifact_digest_mismatch`), never the bad bytes. ' +
      'The answer is the recorded media type as an attachment, with `Repr-Digest` (RFC 9530) and a strong `ETag`.',
  })
  @ApiParam({ name: 'id', description: 'The artifact id (from the job\'s artifact list).', schema: { type: 'string', format: 'uuid' }, example: EXAMPLE_ARTIFACT_ID })
  @ApiResponse({
    status: 200,
    description: 'The bytes, verified. `Content-Type` is the media type the worker recorded.',
    headers: {
      'Content-Type': header('The recorded media type, e.g. `application/json`.'),
      'Content-Length': { description: 'The recorded size.', schema: { type: 'integer', minimum: 0 } },
      'Repr-Digest': header('`sha-256=:<base64>:` (RFC 9530) of the bytes, as the ledger recorded it.'),
      ETag: header('`"sha256-<hex>"`: strong, the content never changes.'),
      'Content-Disposition': header('`attachment; filename="<last segment of the name>"`.'),
    },
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblemResponse(404, {
    description: "No such artifact in the caller's tenant. A malformed id, an unknown id and another tenant's artifact are answered alike.",
    examples: { not_found: { code: 'not_found', detail: `artifact ${EXAMPLE_ARTIFACT_ID} not found` } },
  })
  @ApiProblemResponse(502, {
    description: 'The object store does not hold what the ledger recorded: nothing is sent. The object is gone (`artifact_missing`), or its size, chunks or SHA-256 differ (`artifact_digest_mismatch`).',
    examples: {
      artifact_missing: { code: 'artifact_missing', detail: `artifact ${EXAMPLE_ARTIFACT_ID} (${exampleArtifact.uri}) is recorded in the ledger but the object store holds no such object; nothing was sent` },
      artifact_digest_mismatch: {
        code: 'artifact_digest_mismatch',
        detail: `artifact ${EXAMPLE_ARTIFACT_ID} (${exampleArtifact.uri}) does not match its ledger record: SHA-256 9f86d0…, the ledger recorded ${exampleArtifact.sha256}; nothing was sent`,
      },
    },
  })
  @Unavailable('the ledger database or the object store', false)
  async content(@TenantId() tenant: string, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const { artifact, bytes } = await this.artifacts.content(tenant, id);
    res.status(200).set(downloadHeaders(artifact)).end(bytes);
  }
}
