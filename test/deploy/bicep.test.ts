// The Bicep files against the code: every setting the app needs in azure mode is produced (as an app
// setting or a Key Vault reference), every Cosmos and blob container matches the code, topics and
// subscriptions match the registered functions, and the files are at least structurally sound.
// (No Bicep compiler runs here: see docs/deploy.md.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../functions';
import { blobContainers, blobRetentionInDays } from '../../shared/adapters/blob/blob-clients';
import { containerDefinitions, partitionKeyScheme } from '../../shared/adapters/cosmos/containers';
import { settingsSchema } from '../../shared/config/settings';
import { LOCAL_BUS_MAX_DELIVERY_COUNT } from '../../shared/runtime/composition';
import { functionRegistry } from '../../shared/runtime/registry';
import { BICEP_DIRECTORY, blockAfter, bracketProblems, namesIn, objectKeys, outputNames, readBicep, referencedFiles, stringArray } from '../support/bicep-text';
import { azureSampleSettings, settingsRequiredInAzure } from '../support/settings-sample';

const main = readBicep('main.bicep');
const functionApp = readBicep('modules/function-app.bicep');
const storage = readBicep('modules/storage.bicep');
const serviceBus = readBicep('modules/service-bus.bicep');
const cosmos = readBicep('modules/cosmos.bicep');
const roles = readBicep('modules/role-assignments.bicep');

/** Read only against the emulators (keys and the local signing secret); Azure uses identities instead. */
const LOCAL_ONLY_SETTINGS = ['COSMOS_KEY', 'STORAGE_ACCOUNT_NAME', 'STORAGE_ACCOUNT_KEY', 'AUTH_LOCAL_SECRET'];
/** Settings the Functions host and DefaultAzureCredential read, not our settings schema. */
const PLATFORM_SETTING = /^(AzureWebJobsStorage__\w+|AzureWebJobsDisableHomepage|SERVICEBUS__\w+|APPLICATIONINSIGHTS_AUTHENTICATION_STRING|AZURE_CLIENT_ID)$/;
/** Names that hold credentials: they must come from Key Vault, never sit in app settings. */
const SECRET_SETTING = /(SECRET|TOKEN|ACCESS_KEY|ROUTING_KEY|WEBHOOK_URL)$/;

const produced = {
  appSettings: namesIn(blockAfter(functionApp, /var\s+baseSettings\s*=/)),
  optionalSettings: stringArray(functionApp, 'optionalSettingNames'),
  requiredSecrets: objectKeys(blockAfter(main, /var\s+requiredSecretSettings\s*=/)),
  optionalSecrets: stringArray(main, 'optionalSecretSettingNames'),
};
const schemaKeys = Object.keys(settingsSchema.shape);

describe('app settings produced by the Bicep', () => {
  it('produces every setting the app requires in azure mode, as an app setting or a Key Vault reference', () => {
    const required = settingsRequiredInAzure();
    expect(required).toEqual(
      expect.arrayContaining(['COSMOS_ENDPOINT', 'STORAGE_BLOB_ENDPOINT', 'AUTH_JWKS_URL', 'SERVICEBUS_FULLY_QUALIFIED_NAMESPACE', 'INGEST_KEY_SECRET']),
    );
    const always = [...produced.appSettings, ...produced.requiredSecrets];
    expect(
      required.filter((name) => !always.includes(name)),
      'add each to baseSettings in bicep/modules/function-app.bicep (or requiredSecretSettings in main.bicep for a secret)',
    ).toEqual([]);
  });

  it('can set every other setting of the schema, except the emulator-only ones', () => {
    const all = [...produced.appSettings, ...produced.optionalSettings, ...produced.requiredSecrets, ...produced.optionalSecrets];
    expect(
      schemaKeys.filter((name) => !all.includes(name) && !LOCAL_ONLY_SETTINGS.includes(name)),
      'add each to optionalSettingNames in bicep/modules/function-app.bicep, or to optionalSecretSettingNames in bicep/main.bicep for a secret',
    ).toEqual([]);
    expect(all.filter((name) => LOCAL_ONLY_SETTINGS.includes(name))).toEqual([]);
  });

  it('sets nothing the app does not read, and no name twice', () => {
    const all = [...produced.appSettings, ...produced.optionalSettings, ...produced.requiredSecrets, ...produced.optionalSecrets];
    expect(all.filter((name) => !schemaKeys.includes(name) && !PLATFORM_SETTING.test(name))).toEqual([]);
    expect(all.filter((name, index) => all.indexOf(name) !== index)).toEqual([]);
  });

  it('keeps every credential in Key Vault: secret-looking settings are Key Vault references only', () => {
    const plain = [...produced.appSettings, ...produced.optionalSettings];
    expect(plain.filter((name) => SECRET_SETTING.test(name))).toEqual([]);
    const secretsInSchema = schemaKeys.filter((name) => SECRET_SETTING.test(name) && !LOCAL_ONLY_SETTINGS.includes(name));
    expect(secretsInSchema.filter((name) => ![...produced.requiredSecrets, ...produced.optionalSecrets].includes(name))).toEqual([]);
    expect(functionApp).toMatch(/'@Microsoft\.KeyVault\(VaultName=\$\{keyVaultName\};SecretName=\$\{replace\(name, '_', '-'\)\}\)'/);
    expect(functionApp).toMatch(/keyVaultReferenceIdentity:\s*identityId/);
  });

  it('names the outputs of main.bicep after the app settings they feed', () => {
    const outputs = outputNames(main).filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'COSMOS_ENDPOINT',
        'STORAGE_BLOB_ENDPOINT',
        'SERVICEBUS_FULLY_QUALIFIED_NAMESPACE',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'AZURE_CLIENT_ID',
      ]),
    );
    expect(outputs.filter((name) => !schemaKeys.includes(name) && !PLATFORM_SETTING.test(name) && name !== 'KEY_VAULT_NAME')).toEqual([]);
  });

  it('runs on Flex Consumption, Node 20, as the user-assigned identity, with shared-key storage off', () => {
    expect(functionApp).toMatch(/tier:\s*'FlexConsumption'/);
    expect(functionApp).toMatch(/runtime:\s*\{\s*name:\s*'node',\s*version:\s*'20'\s*\}/);
    expect(functionApp).toMatch(/type:\s*'UserAssigned'/);
    // Flex Consumption refuses these as app settings (the runtime is in functionAppConfig).
    expect(produced.appSettings).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    expect(produced.appSettings).not.toContain('FUNCTIONS_EXTENSION_VERSION');
    expect(storage).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(cosmos).toMatch(/disableLocalAuth:\s*true/);
    expect(serviceBus).toMatch(/disableLocalAuth:\s*true/);
  });
});

describe('data layout declared in the Bicep', () => {
  const specs = JSON.parse(readFileSync(path.join(BICEP_DIRECTORY, 'modules/cosmos-containers.json'), 'utf8')) as Array<{
    id: string;
    partitionKeyPath: string;
    defaultTtl: number;
    indexingPolicy: {
      includedPaths: Array<{ path: string }>;
      excludedPaths: Array<{ path: string }>;
      compositeIndexes?: Array<Array<{ path: string; order: string }>>;
    };
  }>;

  it('declares every Cosmos container of containers.ts with its partition key and TTL, and no other', () => {
    const expected = Object.values(containerDefinitions).map((definition) => ({
      id: definition.id,
      partitionKeyPath: definition.partitionKeyPath,
      defaultTtl: definition.defaultTtlInSeconds,
    }));
    const declared = specs.map((spec) => ({ id: spec.id, partitionKeyPath: spec.partitionKeyPath, defaultTtl: spec.defaultTtl }));
    expect(
      declared.sort((a, b) => a.id.localeCompare(b.id)),
      'declare each container in bicep/modules/cosmos-containers.json',
    ).toEqual(expected.sort((a, b) => a.id.localeCompare(b.id)));
    expect(cosmos).toMatch(/loadJsonContent\('cosmos-containers\.json'\)/);
    expect(cosmos).toMatch(/partitionKey:\s*\{\s*paths:\s*\[\s*spec\.partitionKeyPath\s*\]/);
    // The local bootstrap creates its containers with the same hashing (shared/adapters/cosmos/containers.ts).
    expect(cosmos).toMatch(new RegExp(`partitionKey:\\s*\\{[^}]*kind:\\s*'${partitionKeyScheme.kind}',\\s*version:\\s*${partitionKeyScheme.version}\\s*\\}`));
    expect(cosmos).toMatch(/defaultTtl:\s*spec\.defaultTtl/);
    expect(cosmos).toMatch(/indexingPolicy:\s*spec\.indexingPolicy/);
  });

  it('indexes every composite-index path and the partition key paths the queries filter on', () => {
    for (const spec of specs) {
      const included = spec.indexingPolicy.includedPaths.map((entry) => entry.path);
      const indexesAll = included.includes('/*');
      for (const composite of spec.indexingPolicy.compositeIndexes ?? []) {
        expect(composite.length, spec.id).toBeGreaterThanOrEqual(2);
        for (const part of composite) {
          expect(['ascending', 'descending'], spec.id).toContain(part.order);
          if (!indexesAll) expect(included, `${spec.id} ${part.path}`).toContain(`${part.path}/?`);
        }
      }
    }
  });

  it('covers every ORDER BY field in the Cosmos adapters with a range index', () => {
    const adapters = path.join(__dirname, '../../shared/adapters/cosmos');
    const source = readdirSync(adapters)
      .map((file) => readFileSync(path.join(adapters, file), 'utf8'))
      .join('\n');
    const fields = new Set([...source.matchAll(/ORDER BY c\.(\w+)/g)].map((match) => match[1]!));
    const indexed = new Set(specs.flatMap((spec) => spec.indexingPolicy.includedPaths.map((entry) => entry.path)));
    for (const field of fields) expect(indexed.has(`/${field}/?`) || indexed.has('/*'), field).toBe(true);
  });

  it('declares the blob containers with lifecycle rules that match their retention, and the deployment container', () => {
    const block = blockAfter(storage, /var\s+appContainers\s*=/);
    const declared = [...block.matchAll(/\{\s*name:\s*'([^']+)',\s*retentionDays:\s*(\d+)\s*\}/g)].map((match) => ({ name: match[1], days: Number(match[2]) }));
    expect(declared).toEqual(blobContainers.map((name) => ({ name, days: blobRetentionInDays[name] })));
    expect(storage).toMatch(/prefixMatch:\s*\[\s*'\$\{spec\.name\}\/'\s*\]/);
    expect(storage).toMatch(/delete:\s*\{\s*daysAfterModificationGreaterThan:\s*spec\.retentionDays\s*\}/);
    expect(storage).toMatch(/deploymentContainerName string = 'app-package'/);
  });
});

describe('Service Bus declared in the Bicep', () => {
  const defaults = settingsSchema.shape;

  it('declares the topic the app publishes to and a subscription for every topic function', () => {
    const topic = /param topicName string = '([^']+)'/.exec(serviceBus)?.[1];
    expect(topic).toBe(defaults.SERVICEBUS_TOPIC.parse(undefined));
    const subscriptions = stringArray(serviceBus, 'subscriptionNames');
    expect(subscriptions).toEqual(expect.arrayContaining(['notifications', 'tickets', 'audit']));
    for (const definition of functionRegistry.topics) {
      expect(definition.topicName === topic || definition.topicName.startsWith('%'), definition.name).toBe(true);
      expect(subscriptions, definition.name).toContain(definition.subscriptionName);
      expect(produced.appSettings, definition.name).toContain(`${definition.connection}__fullyQualifiedNamespace`);
    }
  });

  it('dead-letters like the local bus: same maxDeliveryCount, dead-lettering on expiry, duplicate detection', () => {
    expect(Number(/param maxDeliveryCount int = (\d+)/.exec(serviceBus)?.[1])).toBe(LOCAL_BUS_MAX_DELIVERY_COUNT);
    expect(serviceBus).toMatch(/requiresDuplicateDetection:\s*true/);
    expect(serviceBus).toMatch(/deadLetteringOnMessageExpiration:\s*true/);
    expect(serviceBus).toMatch(/sku:\s*\{\s*name:\s*'Standard'/);
  });
});

describe('role assignments', () => {
  it('grants the identity each data-plane role it needs, in one module', () => {
    const roleIds = {
      'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
      'Storage Blob Delegator': 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
      'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2552ae39',
      'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
      'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
      'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
    };
    for (const [role, id] of Object.entries(roleIds)) expect(roles, role).toContain(id);
    expect(roles).toMatch(/Microsoft\.DocumentDB\/databaseAccounts\/sqlRoleAssignments@/);
    expect(roles).toContain('00000000-0000-0000-0000-000000000002');
    // No other module hands out roles.
    for (const file of readdirSync(path.join(BICEP_DIRECTORY, 'modules')).filter((name) => name.endsWith('.bicep') && name !== 'role-assignments.bicep')) {
      expect(readBicep(`modules/${file}`), file).not.toMatch(/roleAssignments@/);
    }
  });

  it('offers API Management with rate-limit-by-key behind a bool parameter', () => {
    expect(main).toMatch(/param deployApiManagement bool = false/);
    expect(main).toMatch(/module apiManagement 'modules\/api-management\.bicep' = if \(deployApiManagement\)/);
    const policy = readFileSync(path.join(BICEP_DIRECTORY, 'modules/api-management-policy.xml'), 'utf8');
    expect(policy.match(/<rate-limit-by-key /g)?.length).toBe(3);
    expect(policy).toContain('x-diagnostics-key');
    expect(policy).toContain('AsJwt()?.Subject');
    // Device calls count by the ingest token's claims (session and binding), not by a deviceId query that ingest ignores.
    expect(policy).toContain('StartsWith("Bearer it1.")');
    expect(policy).toContain('"token:" + parts[1]');
  });
});

describe('Bicep files are structurally sound', () => {
  const files = [
    'main.bicep',
    ...readdirSync(path.join(BICEP_DIRECTORY, 'modules'))
      .filter((name) => name.endsWith('.bicep'))
      .map((name) => `modules/${name}`),
  ];

  it.each(files)('%s has balanced brackets and closed strings, and every file it references exists', (file) => {
    const text = readBicep(file);
    expect(bracketProblems(text)).toEqual([]);
    for (const reference of referencedFiles(text)) expect(existsSync(path.join(BICEP_DIRECTORY, path.dirname(file), reference)), reference).toBe(true);
  });

  it('passes every parameter a module declares without a default, and only declared ones', () => {
    for (const match of main.matchAll(/^module\s+\w+\s+'([^']+)'/gm)) {
      const moduleText = readBicep(match[1]!);
      const declared = [...moduleText.matchAll(/^param\s+(\w+)\s+\w+(\s*=)?/gm)];
      const required = declared.filter((param) => !param[2]).map((param) => param[1]!);
      const block = blockAfter(main.slice(match.index), /params:/);
      const passed = [...block.matchAll(/(?:^|[{,\s])(\w+):/g)].map((entry) => entry[1]!);
      const shorthand = [...block.matchAll(/\{\s*([^}]*)\}/g)].flatMap((entry) => [...entry[1]!.matchAll(/(\w+):/g)].map((key) => key[1]!));
      const all = new Set([...passed, ...shorthand]);
      expect(
        required.filter((name) => !all.has(name)),
        match[1],
      ).toEqual([]);
      const topLevel = objectKeys(block);
      expect(
        topLevel.filter((name) => !declared.some((param) => param[1] === name)),
        match[1],
      ).toEqual([]);
    }
  });

  it('is fed by the sample settings, which parse in azure mode', () => {
    expect(() => settingsSchema.parse(azureSampleSettings())).not.toThrow();
  });
});
