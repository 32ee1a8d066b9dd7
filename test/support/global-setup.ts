// Starts the embedded backends once for the whole test run and hands their endpoints to test files.
import type { TestProject } from 'vitest/node';
import { startAzurite, startCosmos, type RunningBackend } from '../../local-host/backends';

declare module 'vitest' {
  export interface ProvidedContext {
    cosmosEndpoint: string;
    blobEndpoint: string;
  }
}

let backends: RunningBackend[] = [];

export async function setup(project: TestProject): Promise<void> {
  const [cosmos, azurite] = await Promise.all([startCosmos(0), startAzurite({})]);
  backends = [cosmos, azurite];
  project.provide('cosmosEndpoint', cosmos.endpoint);
  project.provide('blobEndpoint', azurite.endpoint);
}

export async function teardown(): Promise<void> {
  await Promise.all(backends.map((backend) => backend.close()));
}
