// Real OpenTelemetry clients in other languages against the local host: the Python SDK with
// opentelemetry-exporter-otlp-proto-http (in a virtual environment made here) and the Java SDK with its OTLP/HTTP
// exporter (Maven; offline once resolved) each send spans and logs with a planted e-mail address and card number
// over OTLP/HTTP protobuf; the spans and logs are read back through the query API and must come back masked. Each
// also exports a delta error counter to /v1/metrics, read back as its app version's `errors` series.
// `node interop/run.mjs [python] [java]` (both by default). Builds the app, starts `dist/local-host/main.js` on a
// free port with its own data folder, and stops it at the end. Prints "N passed, N failed"; exits 1 on a failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const interop = path.join(root, 'interop');
const planted = ['jane.doe@example.com', '4111 1111 1111 1111', '4111111111111111'];
const clients = { python: { prepare: preparePython, run: runPython }, java: { prepare: prepareJava, run: runJava } };
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(clients);

function log(line) {
  console.log(`[interop] ${line}`);
}

/** Runs a command to completion; rejects with its tail of output when it exits non-zero. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (options.echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-4000)}`));
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the built local host and reads the ingest key and admin token it prints. */
async function startHost() {
  const port = await freePort();
  const dataDirectory = mkdtempSync(path.join(tmpdir(), 'diagnostics-interop-'));
  // Its own process group, so stopping it also stops the emulators it started, even when it failed half-way.
  const child = spawn(process.execPath, [path.join(root, 'dist/local-host/main.js')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDirectory },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local host did not start in 120 s:\n${output}`)), 120_000);
    const read = (chunk) => {
      output += chunk.toString();
      const key = /ingest key: (\S+)/.exec(output)?.[1];
      const admin = /Admin token \(12 h\): (\S+)/.exec(output)?.[1];
      if (key && admin) {
        clearTimeout(timer);
        resolve({ key, admin });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local host exited ${code}:\n${output}`));
    });
  });
  let credentials;
  try {
    credentials = await ready;
  } catch (error) {
    killGroup('SIGKILL');
    child.stdout.destroy();
    child.stderr.destroy();
    rmSync(dataDirectory, { recursive: true, force: true });
    throw error;
  }
  const { key, admin } = credentials;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    killGroup('SIGKILL');
    child.stdout.destroy();
    child.stderr.destroy();
    rmSync(dataDirectory, { recursive: true, force: true });
  };
  return { base: `http://127.0.0.1:${port}/api`, key, admin, stop };
}

async function api(host, method, route, { body, headers = {} } = {}) {
  const response = await fetch(`${host.base}${route}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A session targeting a fresh device, and the ingest token that device's config poll hands out. */
async function openSession(host, client) {
  const deviceId = `${client}-${Math.random().toString(16).slice(2, 10)}`;
  const admin = { authorization: `Bearer ${host.admin}` };
  const session = await api(host, 'POST', '/diagnostics/sessions', {
    body: { productId: 'demo', targetDeviceId: deviceId, userConsent: 'pre_consent', capture: { logs: true, traces: true }, collectionLevel: 'trace' },
    headers: admin,
  });
  const config = await api(host, 'GET', `/diagnostics/config?deviceId=${deviceId}`, { headers: { 'x-diagnostics-key': host.key } });
  if (config.session?.id !== session.id) throw new Error('the config poll did not hand out the new session');
  return { id: session.id, deviceId, ingestToken: config.session.ingestToken };
}

const venv = path.join(interop, 'python-otel', '.venv');
const venvPython = path.join(venv, 'bin', 'python');
async function preparePython() {
  if (!existsSync(venvPython)) await run('python3', ['-m', 'venv', venv]);
  // Satisfied pins are not fetched again, so a second run needs no network.
  await run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', path.join(interop, 'python-otel', 'requirements.txt')]);
}
function runPython(env) {
  return run(venvPython, [path.join(interop, 'python-otel', 'send_telemetry.py')], { env });
}

const javaProject = path.join(interop, 'java-otel');
const mavenGoals = ['-B', '-q', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt', 'compile'];
async function prepareJava() {
  try {
    await run('mvn', ['-o', ...mavenGoals], { cwd: javaProject });
  } catch {
    log('java: resolving from Maven Central (the first run only)');
    await run('mvn', mavenGoals, { cwd: javaProject });
  }
}
async function runJava(env) {
  const { readFileSync } = await import('node:fs');
  const classpath = [path.join(javaProject, 'target', 'classes'), readFileSync(path.join(javaProject, 'target', 'classpath.txt'), 'utf8').trim()].join(
    path.delimiter,
  );
  return run('java', ['-cp', classpath, 'diagnostics.interop.SendTelemetry'], { env });
}

/** What came back through the query API, checked: both spans linked, the logs there, nothing planted left. */
async function check(host, client, session, runId) {
  const admin = { authorization: `Bearer ${host.admin}` };
  const spans = (await api(host, 'GET', `/diagnostics/sessions/${session.id}/traces?pageSize=100`, { headers: admin })).items;
  const logs = (await api(host, 'GET', `/diagnostics/sessions/${session.id}/logs?pageSize=100`, { headers: admin })).items;
  const problems = [];
  const parent = spans.find((span) => span.name === `checkout ${runId}`);
  const child = spans.find((span) => span.name === 'charge card');
  if (!parent || !child) problems.push(`expected the spans "checkout ${runId}" and "charge card", got ${JSON.stringify(spans.map((span) => span.name))}`);
  else {
    if (child.parentSpanId !== parent.spanId || child.traceId !== parent.traceId) problems.push('the child span is not linked to its parent');
    if (!/^[0-9a-f]{32}$/.test(parent.traceId) || !/^[0-9a-f]{16}$/.test(parent.spanId))
      problems.push(`ids are not lowercase hex: ${parent.traceId}/${parent.spanId}`);
    if (parent.spanKind !== 'server' || child.spanKind !== 'client') problems.push(`span kinds ${parent.spanKind}/${child.spanKind}`);
    if (child.status?.code !== 'error') problems.push(`child status ${JSON.stringify(child.status)}`);
    if (parent.attributes?.retries !== 3) problems.push(`int attribute retries=${JSON.stringify(parent.attributes?.retries)}`);
    if (!parent.redaction?.patternsMatched?.length) problems.push('the parent span records no redaction');
    if (!(Date.parse(parent.endTime) >= Date.parse(parent.startTime))) problems.push(`times ${parent.startTime}..${parent.endTime}`);
  }
  const error = logs.find((entry) => entry.level === 'error' && entry.message.includes(runId));
  const info = logs.find((entry) => entry.level === 'info' && entry.message === `checkout ${runId} done`);
  if (!error || !info) problems.push(`expected an error and an info log, got ${JSON.stringify(logs.map((entry) => [entry.level, entry.message]))}`);
  else if (error.module !== 'payments') problems.push(`log module ${error.module}`);
  const everything = JSON.stringify({ spans, logs });
  for (const value of planted) if (everything.includes(value)) problems.push(`"${value}" came back unmasked`);
  if (problems.length) throw new Error(problems.join('; '));
  return `${spans.length} spans, ${logs.length} logs, masked: ${error.message}`;
}

/** The client's delta error counter (3, one fingerprint) read back as the `errors` series of its app version. */
async function checkMetrics(host, appVersion) {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const range = `from=${encodeURIComponent(new Date(minute - 120_000).toISOString())}&to=${encodeURIComponent(new Date(minute + 60_000).toISOString())}`;
  const { points } = await api(host, 'GET', `/diagnostics/products/demo/series?name=errors&step=1m&appVersion=${appVersion}&${range}`, {
    headers: { authorization: `Bearer ${host.admin}` },
  });
  const errors = points.reduce((sum, point) => sum + (point.value ?? 0), 0);
  if (errors !== 3) throw new Error(`the metric export's errors series reads ${errors}, expected 3: ${JSON.stringify(points)}`);
  return `metrics: errors series ${errors}`;
}

async function main() {
  const unknown = chosen.filter((name) => !(name in clients));
  if (unknown.length) throw new Error(`unknown client(s) ${unknown.join(', ')}; known: ${Object.keys(clients).join(', ')}`);
  const started = Date.now();
  log('building the app');
  await run('npx', ['tsc', '-p', 'tsconfig.json']);
  // The toolchains get ready while the host starts; a client whose preparation fails fails alone.
  const preparing = Object.fromEntries(
    chosen.map((name) => [
      name,
      clients[name].prepare().then(
        () => undefined,
        (error) => error,
      ),
    ]),
  );
  let host;
  try {
    host = await startHost();
  } catch (error) {
    // Its backends have fixed start-up timeouts; on a loaded machine one try may miss them.
    log(
      `the local host did not start, trying once more: ${String(error instanceof Error ? error.message : error)
        .split('\n')
        .filter((line) => !line.startsWith('WARNING'))
        .join(' ')
        .slice(0, 300)}`,
    );
    host = await startHost();
  }
  log(`local host on ${host.base}`);
  const outcomes = [];
  try {
    for (const name of chosen) {
      const clientStarted = Date.now();
      try {
        const failed = await preparing[name];
        if (failed) throw failed;
        const session = await openSession(host, name);
        const runId = `${name}-${Date.now().toString(36)}`;
        const appVersion = `${name}.${Date.now().toString(36)}`;
        const output = await clients[name].run({
          OTLP_BASE: host.base,
          DIAGNOSTICS_KEY: host.key,
          INGEST_TOKEN: session.ingestToken,
          DEVICE_ID: session.deviceId,
          RUN_ID: runId,
          APP_VERSION: appVersion,
        });
        process.stdout.write(
          output
            .split('\n')
            .filter((line) => /^(python|java):/.test(line))
            .map((line) => `[interop] ${line}\n`)
            .join(''),
        );
        const summary = `${await check(host, name, session, runId)}; ${await checkMetrics(host, appVersion)}`;
        outcomes.push({ name, passed: true });
        log(`${name}: passed in ${((Date.now() - clientStarted) / 1000).toFixed(1)} s (${summary})`);
      } catch (error) {
        outcomes.push({ name, passed: false });
        log(`${name}: FAILED: ${error instanceof Error ? error.message : error}`);
      }
    }
  } finally {
    await host.stop();
  }
  const passed = outcomes.filter((outcome) => outcome.passed).length;
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`interop: ${passed} passed, ${outcomes.length - passed} failed`);
  process.exitCode = passed === outcomes.length ? 0 : 1;
}

main()
  .catch((error) => {
    console.error(`[interop] ${error instanceof Error ? error.stack : error}`);
    process.exitCode = 1;
  })
  // Nothing of ours is left to wait for; a stray handle must not keep CI waiting.
  .finally(() => process.exit());
