/**
 * OpenAPI schemas and examples of job artifacts, typed by the interfaces the routes return
 * (registered in openapi-schemas.ts).
 */
import type { SchemaObject } from '@nestjs/swagger';
import { ArtifactLimits, ArtifactView } from '@orch/contracts';
import { objectSchema, schemaRef } from '@orch/service-kit';
import { EXAMPLE_JOB_ID } from '../openapi-examples';

/** Names of these schemas in `components.schemas`. */
export const ARTIFACT_SCHEMAS = {
  artifact: 'ArtifactView',
  artifactList: 'ArtifactList',
} as const;

/** An artifact id of the examples. */
export const EXAMPLE_ARTIFACT_ID = '0190d6f0-3c1a-7c4e-9a55-4f6d2b8e1af1';

/** The artifact of the examples. */
export const exampleArtifact: ArtifactView = {
  id: EXAMPLE_ARTIFACT_ID,
  jobId: EXAMPLE_JOB_ID,
  attempt: 1,
  name: 'reports/cve-summary.json',
  uri: `nats-obj://orch_artifacts_acme/${EXAMPLE_JOB_ID}/1/reports/cve-summary.json`,
  sha256: '5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9',
  size: 18_204,
  mime: 'application/json',
  createdAt: '2026-12-07T10:15:02.118Z',
};

const string = (description: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', description, ...extra });

/** The response schemas, for `apiResponseSchemas`. */
export function artifactResponseSchemas(): Record<string, SchemaObject> {
  return {
    [ARTIFACT_SCHEMAS.artifact]: objectSchema<ArtifactView>({
      description: 'An artifact a worker published for one attempt of a job, as the ledger records it (a `job.artifact` event in the tenant\'s hash chain).',
      properties: {
        id: string('The artifact id (its ledger event\'s id); download it at `/api/v1/artifacts/{id}/content`.', { format: 'uuid' }),
        jobId: string('The job.', { format: 'uuid' }),
        attempt: { type: 'integer', minimum: 1, description: 'The attempt that published it.' },
        name: string('Unique per attempt; `/`-separated segments of `[A-Za-z0-9._-]`.', { maxLength: ArtifactLimits.nameMaxLength }),
        uri: string('Where the bytes are: `nats-obj://<bucket>/<jobId>/<attempt>/<name>` (the tenant\'s JetStream object-store bucket).'),
        sha256: string('SHA-256 of the bytes, lower-case hex; a download is checked against it.', { pattern: '^[0-9a-f]{64}$' }),
        size: { type: 'integer', minimum: 0, description: 'Bytes.' },
        mime: string('The media type the download is served with.'),
        createdAt: string('When the ledger recorded it.', { format: 'date-time' }),
      },
    }),
    [ARTIFACT_SCHEMAS.artifactList]: objectSchema<{ items: ArtifactView[] }>({
      description: 'Every artifact of the job, every attempt, in the order they were recorded.',
      properties: { items: { type: 'array', items: schemaRef(ARTIFACT_SCHEMAS.artifact) } },
    }),
  };
}
