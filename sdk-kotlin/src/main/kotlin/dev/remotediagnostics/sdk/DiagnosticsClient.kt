// DiagnosticsClient: the one object an app embeds. It polls for a debug session targeting this device and,
// only while one is active (and consented, and the user has not opted out), captures and sends telemetry.
// Without a session it keeps the last minute in memory and, on a crash, reports it as a signal, so a crash
// trigger rule can open a session that starts with that minute (kept in a file meanwhile, if the crash ends the process).
package dev.remotediagnostics.sdk

import java.util.Collections
import java.util.WeakHashMap
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import okhttp3.HttpUrl
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

/** What the app's consent callback is told about the session asking to collect. */
data class ConsentRequest(val sessionId: String, val collectionLevel: CollectionLevel, val capture: CaptureFlags, val expiresAt: String)

data class DiagnosticsOptions(
    /** Base URL of the diagnostics service, e.g. `https://diag.example.com` (the SDK adds `/api/diagnostics/...`). */
    val endpoint: String,
    /** The product ingest key (`dk_<product>_...`): identifies the app, sent as `x-diagnostics-key`. */
    val productKey: String,
    val identity: DeviceIdentity,
    val appVersion: String? = null,
    val platform: String? = "jvm",
    val osVersion: String? = System.getProperty("os.version"),
    val locale: String? = java.util.Locale.getDefault().toLanguageTag(),
    /** A bearer token for the signed-in user; needed only for sessions that target a user id. */
    val userToken: (suspend () -> String?)? = null,
    /**
     * Asked once per session that requires consent, before anything is captured. Without a callback such
     * sessions collect nothing. The answer is recorded with the server.
     */
    val onConsentRequest: (suspend (ConsentRequest) -> Boolean)? = null,
    /** Start opted out (the user said no to diagnostics); change later with `setOptedOut`. */
    val optedOut: Boolean = false,
    val network: NetworkCaptureOptions = NetworkCaptureOptions(),
    val screenshots: ScreenshotSource? = null,
    val lifecycle: LifecycleSource? = null,
    val deviceState: DeviceStateSource = JvmDeviceStateSource(),
    /**
     * Record uncaught exceptions (fatal, flushed at once; without a session, reported as a crash signal), then hand
     * them to the handler installed before, within [UNCAUGHT_FLUSH_TIMEOUT_MS].
     */
    val captureUncaught: Boolean = true,
    /**
     * The last minute of logs (debug and up), breadcrumbs and network captures kept in memory without a session, so
     * a session a crash opens starts with what led to it. Sent only when such a session asks for it.
     */
    val preCrashBuffer: PreCrashBufferOptions = PreCrashBufferOptions(),
    /** Crash reports without a session (needs `identity.deviceId`): a crash rule may then open a session for it. */
    val signals: SignalOptions = SignalOptions(),
    /**
     * Where a crash leaves what the app's next start must finish, should the crash end the process: the minute frozen
     * for the crash session and a crash report the server did not confirm (Android: `context.noBackupFilesDir`, private
     * to the app and never backed up). Null keeps both in memory only, which serves a desktop JVM, where a worker
     * thread's crash leaves the process running.
     */
    val crashDirectory: java.io.File? = null,
    /** At most 50 (the server's limit). */
    val maxBatchItems: Int = MAX_ITEMS_PER_BATCH,
    val flushIntervalMs: Long = 5_000,
    /** The offline buffer: beyond either bound the oldest items are dropped and counted. */
    val maxBufferedItems: Int = 1_000,
    val maxBufferedBytes: Long = 2L * 1024 * 1024,
    val maxBackoffMs: Long = 300_000,
    /** Used until the server says its poll interval. */
    val initialPollIntervalMs: Long = 30_000,
    /** The SDK's own failures (network, refusals); never thrown into the app. */
    val onError: ((Exception) -> Unit)? = null,
    /** The SDK's own HTTP client; never give it the diagnostics interceptor. */
    val httpClient: OkHttpClient? = null,
    val dispatcher: CoroutineDispatcher = Dispatchers.IO,
    /** Injectable for tests; the defaults are the system's. */
    val clock: SdkClock = SystemClock,
    val random: SdkRandom = SecureSdkRandom(),
    val timers: SdkTimers? = null,
)

/** The client as the app (or its UI) sees it, as a StateFlow. */
data class DiagnosticsState(
    val started: Boolean = false,
    val optedOut: Boolean = false,
    /** The session targeting this device, collecting or not. */
    val sessionId: String? = null,
    /** True while telemetry is captured and sent for that session. */
    val collecting: Boolean = false,
    val paused: Boolean = false,
    val collectionLevel: CollectionLevel? = null,
    val consent: ConsentStatus? = null,
)

data class DiagnosticsStats(val transport: TransportStats, val breadcrumbsBuffered: Int, val screenshotsUploaded: Int, val sessionId: String?)

private const val BREADCRUMB_CAPACITY = 100
private const val SCREENSHOT_MIN_GAP_MS = 10_000L
/** The most an uncaught exception is held up before the previous handler gets it (flush and crash report together). */
const val UNCAUGHT_FLUSH_TIMEOUT_MS = 2_000L
/** The file in `crashDirectory` for crash reports a crash could not send. */
internal const val UNSENT_SIGNALS_FILE = "remote-diagnostics-unsent-signals.txt"
/** The file in `crashDirectory` for a collecting session's items a crash could not send. */
internal const val UNSENT_ITEMS_FILE = "remote-diagnostics-unsent-items.txt"

private enum class ConsentDecision { ASKING, GRANTED_UNRECORDED, GRANTED, DENIED }

private class BreadcrumbEntry(val item: TelemetryItem, var queued: Boolean)

class DiagnosticsClient(private val options: DiagnosticsOptions) {
    private val baseUrl = options.endpoint.trimEnd('/')
    private val lock = Any()
    private val scope = CoroutineScope(
        SupervisorJob() + options.dispatcher + CoroutineExceptionHandler { _, error -> reportInternal(error as? Exception ?: RuntimeException(error)) },
    )
    private val http = options.httpClient ?: OkHttpClient()
    private val timers = options.timers ?: CoroutineTimers(scope)
    private val clock: SdkClock = options.clock
    private val random = options.random
    private val breadcrumbs = ArrayDeque<BreadcrumbEntry>()
    private val consentDecisions = HashMap<String, ConsentDecision>()
    private val reportedErrors: MutableSet<Throwable> = Collections.newSetFromMap(WeakHashMap())
    private var session: ActiveSession? = null
    private var optedOut = options.optedOut
    private var started = false
    private var pendingConsent: Job? = null
    private var lastScreenshotAt = Long.MIN_VALUE / 2
    private var screenshotsUploaded = 0
    private val uninstallers = ArrayList<() -> Unit>()
    private val preCrash = options.preCrashBuffer.takeIf { it.enabled }?.let { buffer ->
        PreCrashBuffer(buffer.windowMs, buffer.maxBytes, options.crashDirectory?.let { FrozenMinuteFile(it, buffer.frozenMaxAgeMs) })
    }
    private val preSessionSent = HashSet<String>()
    private val mutableState = MutableStateFlow(DiagnosticsState(optedOut = optedOut))

    /** Started, opted out, which session, collecting or not, consent: updated on every change. */
    val state: StateFlow<DiagnosticsState> = mutableState.asStateFlow()

    init {
        require(baseUrl.startsWith("http://") || baseUrl.startsWith("https://")) { "DiagnosticsClient needs an http(s) endpoint" }
        require(options.productKey.isNotEmpty()) { "DiagnosticsClient needs a productKey" }
        require(!options.identity.isEmpty) { "DiagnosticsClient needs at least one of deviceId, anonymousId, appSessionId, userId" }
    }

    private val poller = ConfigPoller(
        ConfigPollerOptions(
            baseUrl = baseUrl,
            productKey = options.productKey,
            identity = options.identity,
            platform = options.platform,
            appVersion = options.appVersion,
            userToken = options.userToken,
            http = http,
            clock = clock,
            timers = timers,
            random = random,
            scope = scope,
            initialIntervalMs = options.initialPollIntervalMs,
            maxBackoffMs = options.maxBackoffMs,
            onConfig = { applyConfig(it) },
            onNotModified = { settleConsent() },
            onError = { reportInternal(it) },
        ),
    )

    private val signals = options.identity.deviceId?.takeIf { options.signals.crashReports }?.let { deviceId ->
        SignalReporter(
            SignalReporterOptions(
                baseUrl, options.productKey, deviceId, options.appVersion, options.signals.intervalMs, http, clock, timers, random,
                options.crashDirectory?.let { CrashFile(it, UNSENT_SIGNALS_FILE) },
            ) { reportInternal(it) },
        )
    }

    private val transport = Transport(
        TransportOptions(
            baseUrl = baseUrl,
            productKey = options.productKey,
            http = http,
            clock = clock,
            timers = timers,
            random = random,
            scope = scope,
            device = { deviceContext() },
            maxBatchItems = options.maxBatchItems,
            flushIntervalMs = options.flushIntervalMs,
            maxBufferedItems = options.maxBufferedItems,
            maxBufferedBytes = options.maxBufferedBytes,
            maxBackoffMs = options.maxBackoffMs,
            onError = { reportInternal(it) },
            unsentFile = options.crashDirectory?.let { CrashFile(it, UNSENT_ITEMS_FILE) },
        ),
    )

    /**
     * Installs the uncaught-exception handler and lifecycle hooks and polls once; returns after that first poll
     * (whatever it answered), without waiting for the user to answer a consent prompt (see `consentSettled()`).
     */
    suspend fun start(): PollOutcome {
        synchronized(lock) {
            if (started) return PollOutcome.TOO_SOON
            started = true
        }
        // What an earlier process's crash left: its frozen minute, ready before the first poll brings the session the
        // crash opened, its crash report if the server never confirmed it, and the items its session had not been
        // sent (both sent beside the poll).
        if (synchronized(lock) { optedOut }) {
            preCrash?.clear()
            signals?.clear()
            transport.forgetWhatACrashLeft()
        } else {
            preCrash?.restore(clock.nowMs())
            val reporter = signals
            if (reporter != null && reporter.restoreUnsent()) scope.launch { reporter.send(everything = false) }
            scope.launch { transport.sendWhatACrashLeft() }
        }
        install()
        signals?.start()
        publishState()
        return poller.start()
    }

    /** Stops polling, sends what is buffered, and removes the handlers it installed. */
    suspend fun stop() {
        synchronized(lock) {
            if (!started) return
            started = false
        }
        poller.stop()
        signals?.stop()
        runCatching { transport.flush() }
        // The minute still running is sent too: on close, nothing counted is left behind.
        if (!synchronized(lock) { optedOut }) runCatching { signals?.send(everything = true) }
        transport.setTarget(null)
        val undo = synchronized(lock) { uninstallers.toList().also { uninstallers.clear() } }
        undo.asReversed().forEach { it() }
        synchronized(lock) { session = null }
        publishState()
    }

    /** Stops and releases the client's coroutines; the client cannot be started again. */
    fun close() {
        runBlocking { stop() }
        scope.cancel()
    }

    /** Resolves once a consent question in progress has been answered and recorded (at once when none is). */
    suspend fun consentSettled() {
        synchronized(lock) { pendingConsent }?.join()
    }

    /** The session currently collecting, if any. */
    val sessionId: String? get() = collectingSession()?.id

    val isSessionActive: Boolean get() = collectingSession() != null

    /** The user's choice: opted out means nothing is captured, buffered or sent, and what was buffered is dropped. */
    fun setOptedOut(value: Boolean) {
        synchronized(lock) {
            optedOut = value
            if (value) breadcrumbs.clear()
        }
        if (value) preCrash?.clear()
        if (value) signals?.clear()
        if (value) transport.clear()
        if (value) transport.forgetWhatACrashLeft()
        updateTarget()
        publishState()
    }

    fun log(level: LogLevel, message: String, context: Attributes? = null, module: String? = null, error: Throwable? = null) {
        val session = collectingSession()
        if (session == null) {
            if (keepsPreCrash() && level.atLeast(LogLevel.DEBUG)) bufferPreCrash(buildLog(level, message, context, module, error, span = null), clock.nowMs())
            return
        }
        if (!session.capture.logs || !level.atLeast(session.collectionLevel.logThreshold)) return
        enqueueLog(level, message, context, module, error, urgent = level.atLeast(LogLevel.ERROR), span = null)
    }

    fun debug(message: String, context: Attributes? = null) = log(LogLevel.DEBUG, message, context)
    fun info(message: String, context: Attributes? = null) = log(LogLevel.INFO, message, context)
    fun warn(message: String, context: Attributes? = null) = log(LogLevel.WARN, message, context)
    fun error(message: String, context: Attributes? = null, error: Throwable? = null) = log(LogLevel.ERROR, message, context, error = error)

    /**
     * Records a breadcrumb. The last 100 are kept in memory on the device (never sent) even while no session
     * is active, so when a session starts, the recent past goes with it.
     */
    fun breadcrumb(message: String, category: String = "app", data: Attributes? = null, level: LogLevel? = null) {
        if (synchronized(lock) { optedOut }) return
        val json = buildJsonObject {
            put("kind", "breadcrumb")
            put("id", newItemId())
            put("timestamp", isoTime(clock.nowMs()))
            put("category", clip(category.ifEmpty { "app" }, 128))
            put("message", clip(message, MAX_MESSAGE_LENGTH))
            level?.let { put("level", it.wire) }
            data?.let { put("data", boundAttributes(it)) }
        }
        val item = TelemetryItem("breadcrumb", json.primitive("id")!!, json)
        val entry = BreadcrumbEntry(item, queued = false)
        val session = collectingSession()
        synchronized(lock) {
            if (optedOut) return
            breadcrumbs.addLast(entry)
            if (breadcrumbs.size > BREADCRUMB_CAPACITY) breadcrumbs.removeFirst()
            if (session?.capture?.breadcrumbs == true) entry.queued = true
        }
        if (entry.queued) transport.enqueue(item) else if (session == null) bufferPreCrash(item, clock.nowMs())
    }

    /**
     * Runs `block` inside a span; spans, logs and OkHttp calls inside get it as their parent (through the
     * coroutine context, and the thread while the coroutine runs). A throw marks the span failed, records the
     * error with its stack, and is passed on unchanged.
     */
    suspend fun <T> trace(
        name: String,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = emptyMap(),
        parent: SpanContext? = null,
        block: suspend CoroutineScope.(Span) -> T,
    ): T {
        val span = startSpan(name, kind, parent ?: currentCoroutineContext()[SpanContextElement]?.span ?: currentThreadSpan.get(), attributes)
        val result = try {
            withContext(SpanContextElement(span.context)) { block(span) }
        } catch (error: Throwable) {
            endSpan(span, error)
            throw error
        }
        endSpan(span, null)
        return result
    }

    /** `trace` for blocking code: the span is current on this thread while `block` runs. */
    fun <T> traceBlocking(name: String, kind: SpanKind = SpanKind.INTERNAL, attributes: Attributes = emptyMap(), parent: SpanContext? = null, block: (Span) -> T): T {
        val previous = currentThreadSpan.get()
        val span = startSpan(name, kind, parent ?: previous, attributes)
        currentThreadSpan.set(span.context)
        val result = try {
            block(span)
        } catch (error: Throwable) {
            currentThreadSpan.set(previous)
            endSpan(span, error)
            throw error
        }
        currentThreadSpan.set(previous)
        endSpan(span, null)
        return result
    }

    /** Records an error with its stack (once, however often it is passed on), flushes, and takes a screenshot if asked. */
    fun captureError(error: Throwable, context: Attributes? = null, level: LogLevel = LogLevel.ERROR, span: SpanContext? = null) {
        val session = collectingSession()
        val counter = signals?.takeIf { it.countsRoutine && !synchronized(lock) { optedOut } }
        // Without a session the error is only counted and kept in the pre-crash buffer: nothing to do when both are off.
        if (session == null && !keepsPreCrash() && counter == null) return
        synchronized(reportedErrors) { if (!reportedErrors.add(error)) return }
        counter?.countError(error)
        if (session == null && !keepsPreCrash()) return
        val described = describeError(error)
        breadcrumb(clip("${described.type}: ${described.message}", 512), "error", null, level)
        if (session != null && !session.capture.logs) return
        val deviceState = runCatching { options.deviceState.snapshot().asAttributes() }.getOrDefault(emptyMap())
        val withDevice = if (deviceState.isEmpty()) context else context.orEmpty() + ("device" to deviceState)
        if (session == null) {
            bufferPreCrash(buildLog(level, described.message.ifEmpty { described.type }, withDevice, null, error, span), clock.nowMs())
            return
        }
        val logId = enqueueLog(level, described.message.ifEmpty { described.type }, withDevice, null, error, urgent = true, span = span)
        if (session.capture.screenshotOnError) scope.launch { takeScreenshot(ScreenshotTrigger.ERROR, logId) }
    }

    /**
     * Captures a screenshot with the platform's source and uploads it through the SAS flow; at most one
     * every 10 s. Returns the screenshot id, or null when nothing was taken.
     */
    suspend fun takeScreenshot(trigger: ScreenshotTrigger = ScreenshotTrigger.MANUAL, relatedItemId: String? = null): String? {
        val session = collectingSession() ?: return null
        val source = options.screenshots ?: return null
        if (!(session.capture.screenshots || (trigger == ScreenshotTrigger.ERROR && session.capture.screenshotOnError))) return null
        val now = clock.nowMs()
        synchronized(lock) {
            if (now - lastScreenshotAt < SCREENSHOT_MIN_GAP_MS) return null
            lastScreenshotAt = now
        }
        return try {
            val shot = source.capture() ?: return null
            val id = uploadScreenshot(
                ScreenshotUpload(http, baseUrl, options.productKey, SessionTarget(session.id, session.ingestToken), isoTime(now), trigger, relatedItemId),
                shot,
            )
            synchronized(lock) { screenshotsUploaded += 1 }
            breadcrumb("screenshot $id", "screenshot", mapOf("screenshotId" to id, "trigger" to trigger.wire))
            id
        } catch (error: CancellationException) {
            throw error
        } catch (error: Exception) {
            reportInternal(error)
            null
        }
    }

    /**
     * Checks for a session now (e.g. when the app returns to the foreground), but only once the server's poll
     * interval has passed since the last poll; answers TOO_SOON otherwise.
     */
    suspend fun refresh(): PollOutcome = poller.pollNow()

    /** Sends what is buffered now. */
    suspend fun flush() = transport.flush()

    /**
     * A java.util.logging handler: records go to the session as logs (module `console`) while `capture.console`
     * is on, at the collection level's console threshold. On Android, forward Timber or your logger the same way.
     */
    fun logHandler(): DiagnosticsLogHandler = DiagnosticsLogHandler { level, message, logger, error -> consoleLog(level, message, logger, error) }

    /** One line of the app's console/logger output; kept only under the same rules as `logHandler()`. */
    fun consoleLog(level: LogLevel, message: String, logger: String? = null, error: Throwable? = null) {
        val session = collectingSession() ?: return
        if (!session.capture.console || !level.atLeast(consoleThreshold(session.collectionLevel))) return
        enqueueLog(level, message, logger?.let { mapOf("logger" to it) }, "console", error, urgent = false, span = null)
    }

    /** The interceptor to add to the app's OkHttpClient. */
    fun okHttpInterceptor(): DiagnosticsInterceptor = DiagnosticsInterceptor(networkObserver)

    /** Counters: what was sent, dropped (offline buffer full), refused and retried; what is buffered. */
    fun stats(): DiagnosticsStats = DiagnosticsStats(transport.stats(), synchronized(lock) { breadcrumbs.size }, synchronized(lock) { screenshotsUploaded }, sessionId)

    /** When the next config poll is due (epoch ms), while started. */
    val nextPollAt: Long? get() = poller.nextPollAt

    // ---- network capture ----

    private val networkObserver = object : NetworkObserver {
        override val networkOptions: NetworkCaptureOptions = options.network
        override val clock: SdkClock = options.clock

        override fun shouldObserve(url: HttpUrl): Boolean {
            // Without a session, requests are still observed for the pre-crash buffer (in memory).
            val session = collectingSession()
            if (if (session == null) !keepsPreCrash() else !session.capture.network) return false
            return isAppRequest(url)
        }

        /** Not the SDK's own call, and within the app's include/exclude rules. */
        private fun isAppRequest(url: HttpUrl): Boolean {
            val text = url.toString()
            if (text.startsWith("$baseUrl/api/diagnostics/")) return false
            val rules = options.network
            if (rules.exclude.any { text.contains(it) }) return false
            return rules.include.isEmpty() || rules.include.any { text.contains(it) }
        }

        override fun begin(request: Request): NetworkExchange {
            val parent = request.tag(SpanContext::class.java) ?: currentThreadSpan.get()
            val span = startSpan("HTTP ${request.method}", SpanKind.CLIENT, parent, emptyMap())
            return object : NetworkExchange {
                override val span: SpanContext = span.context
                override fun finish(observation: NetworkObservation) = finishNetwork(span, observation)
            }
        }

        override fun countsRequest(url: HttpUrl): Boolean {
            if (signals?.countsRoutine != true || synchronized(lock) { optedOut }) return false
            return isAppRequest(url)
        }

        override fun countRequest(url: HttpUrl, status: Int?, durationMs: Long, startedAtMs: Long) {
            signals?.countRequest(routeTemplate(url), status, durationMs, startedAtMs)
        }
    }

    private fun finishNetwork(span: RecordingSpan, observation: NetworkObservation) {
        span.setAttribute("http.request.method", observation.method).setAttribute("url.full", observation.url)
        observation.status?.let { span.setAttribute("http.response.status_code", it) }
        val failed = observation.error != null || (observation.status ?: 0) >= 400
        if (observation.error != null) {
            span.recordException(java.io.IOException(observation.error))
        } else if (failed) {
            span.setAttribute("error.type", observation.status.toString())
            span.setError("HTTP ${observation.status}")
        }
        val spanItem = span.end(clock.nowMs(), failed)
        val session = collectingSession()
        if (session == null && !keepsPreCrash()) return
        val item = buildJsonObject {
            put("kind", "network")
            put("id", newItemId())
            put("timestamp", isoTime(observation.startedAtMs))
            put("method", clip(observation.method, 16))
            put("url", observation.url)
            observation.status?.let { put("status", it) }
            put("durationMs", observation.durationMs.coerceIn(0, 86_400_000))
            observation.requestSize?.let { put("requestSize", it) }
            observation.responseSize?.let { put("responseSize", it) }
            observation.requestHeaders?.let { headers -> put("requestHeaders", JsonObject(headers.mapValues { kotlinx.serialization.json.JsonPrimitive(it.value) })) }
            observation.responseHeaders?.let { headers -> put("responseHeaders", JsonObject(headers.mapValues { kotlinx.serialization.json.JsonPrimitive(it.value) })) }
            observation.requestBody?.let { put("requestBody", it) }
            observation.responseBody?.let { put("responseBody", it) }
            observation.error?.let { put("error", clip(it, MAX_MESSAGE_LENGTH)) }
            put("traceId", span.context.traceId)
            put("spanId", span.context.spanId)
        }
        val networkItem = TelemetryItem("network", item.primitive("id")!!, item)
        if (session == null) {
            bufferPreCrash(networkItem, observation.startedAtMs)
        } else {
            transport.enqueue(networkItem)
            if (spanItem != null && span.recording && session.capture.traces) transport.enqueue(spanItem)
        }
        breadcrumb(
            "${observation.method} ${observation.url} -> ${observation.status ?: observation.error ?: "failed"}",
            "http",
            null,
            if (failed) LogLevel.WARN else LogLevel.INFO,
        )
    }

    // ---- internals ----

    private fun collectingSession(): ActiveSession? = synchronized(lock) {
        val current = session
        if (!started || optedOut || current == null || current.paused) return null
        if (current.expiresAtMs <= clock.nowMs()) return null
        if (current.consentRequired && consentDecisions[current.id] != ConsentDecision.GRANTED) return null
        current
    }

    private suspend fun applyConfig(config: DeviceConfig) {
        val wasCollecting = sessionId
        synchronized(lock) {
            val next = if (config.active) config.session else null
            session = next
            if (next != null && !next.consentRequired && next.consentStatus == ConsentStatus.GRANTED) consentDecisions[next.id] = ConsentDecision.GRANTED
        }
        settleConsent()
        afterSessionChange(wasCollecting)
        publishState()
    }

    /**
     * Asks the user when the session needs consent and nobody asked yet. The user may take their time: polling goes
     * on meanwhile, and collecting starts once the yes is recorded. A yes the server did not take (offline, 5xx) is
     * recorded again on the next poll, changed or not (the config answer does not change until it is stored), without
     * asking again.
     */
    private fun settleConsent() {
        val (asking, decision) = synchronized(lock) {
            val current = session ?: return
            if (!current.consentRequired || pendingConsent?.isActive == true) return
            current to consentDecisions[current.id]
        }
        if (decision != null && decision != ConsentDecision.GRANTED_UNRECORDED) return
        val job = scope.launch {
            try {
                if (decision == null) askConsent(asking) else recordConsent(asking, true)
                afterSessionChange(null)
            } finally {
                publishState()
            }
        }
        synchronized(lock) { pendingConsent = job }
    }

    private suspend fun afterSessionChange(wasCollecting: String?) {
        val now = sessionId
        if (wasCollecting != null && wasCollecting != now) runCatching { transport.flush() }
        updateTarget()
        if (now != null && now != wasCollecting) {
            uploadPreSessionBuffer()
            replayBreadcrumbs()
        }
    }

    /** Whether items are kept for a crash session: the buffer is on, the client started, the user has not opted out. */
    private fun keepsPreCrash(): Boolean = preCrash != null && synchronized(lock) { started && !optedOut }

    private fun bufferPreCrash(item: TelemetryItem, capturedAtMs: Long) {
        if (keepsPreCrash()) preCrash?.record(item, capturedAtMs, clock.nowMs())
    }

    /** A session opened by a crash asks for the buffer first: queued before anything else, once per session. */
    private fun uploadPreSessionBuffer() {
        val current = collectingSession() ?: return
        val buffer = preCrash ?: return
        if (!current.uploadPreSessionBuffer || !synchronized(lock) { preSessionSent.add(current.id) }) return
        // What the session would have collected, had it been open: its capture flags and collection level.
        val items = buffer.drain(clock.nowMs()).filter { item ->
            when (item.kind) {
                "log" -> current.capture.logs && levelOf(item).atLeast(current.collectionLevel.logThreshold)
                "breadcrumb" -> current.capture.breadcrumbs
                else -> current.capture.network
            }
        }
        val sent = items.mapTo(HashSet()) { it.id }
        // Breadcrumbs that went with the buffer are not replayed a second time.
        synchronized(lock) { breadcrumbs.forEach { if (it.item.id in sent) it.queued = true } }
        items.forEach { transport.enqueue(it) }
    }

    private fun levelOf(item: TelemetryItem): LogLevel = item.toJson().primitive("level")?.let { wire -> LogLevel.entries.firstOrNull { it.wire == wire } } ?: LogLevel.INFO

    private suspend fun askConsent(session: ActiveSession) {
        val ask = options.onConsentRequest
        if (ask == null) {
            synchronized(lock) { consentDecisions[session.id] = ConsentDecision.DENIED }
            return
        }
        synchronized(lock) { consentDecisions[session.id] = ConsentDecision.ASKING }
        publishState()
        val granted = try {
            ask(ConsentRequest(session.id, session.collectionLevel, session.capture, session.expiresAt))
        } catch (error: CancellationException) {
            throw error
        } catch (error: Exception) {
            reportInternal(error)
            false
        }
        synchronized(lock) { consentDecisions[session.id] = if (granted) ConsentDecision.GRANTED_UNRECORDED else ConsentDecision.DENIED }
        recordConsent(session, granted)
    }

    private suspend fun recordConsent(session: ActiveSession, granted: Boolean) {
        val recorded = postConsent(session, granted)
        if (granted && recorded) synchronized(lock) { consentDecisions[session.id] = ConsentDecision.GRANTED }
    }

    private suspend fun postConsent(session: ActiveSession, granted: Boolean): Boolean {
        val body = buildJsonObject {
            put("granted", granted)
            put("device", deviceContext().toJson())
        }
        return try {
            http.newCall(
                Request.Builder().url("$baseUrl/api/diagnostics/sessions/${session.id}/consent")
                    .deviceHeaders(options.productKey, session.ingestToken)
                    .post(body.toString().toRequestBody(jsonMediaType)).build(),
            ).await().use { response ->
                if (!response.isSuccessful) reportInternal(java.io.IOException("consent record answered ${response.code}"))
                response.isSuccessful
            }
        } catch (error: java.io.IOException) {
            reportInternal(java.io.IOException("consent record failed: ${error.message}", error))
            false
        }
    }

    private fun updateTarget() {
        val current = collectingSession()
        transport.setTarget(current?.let { SessionTarget(it.id, it.ingestToken) })
    }

    private fun replayBreadcrumbs() {
        val current = collectingSession() ?: return
        if (!current.capture.breadcrumbs) return
        val pending = synchronized(lock) { breadcrumbs.filter { !it.queued }.onEach { it.queued = true } }
        pending.forEach { transport.enqueue(it.item) }
    }

    private fun enqueueLog(level: LogLevel, message: String, context: Attributes?, module: String?, error: Throwable?, urgent: Boolean, span: SpanContext?): String {
        val item = buildLog(level, message, context, module, error, span)
        transport.enqueue(item, urgent)
        return item.id
    }

    private fun buildLog(level: LogLevel, message: String, context: Attributes?, module: String?, error: Throwable?, span: SpanContext?): TelemetryItem {
        val active = span ?: currentThreadSpan.get()
        val json = buildJsonObject {
            put("kind", "log")
            put("id", newItemId())
            put("timestamp", isoTime(clock.nowMs()))
            put("level", level.wire)
            put("message", clip(message, MAX_MESSAGE_LENGTH))
            module?.let { put("module", clip(it, 256)) }
            active?.let {
                put("traceId", it.traceId)
                put("spanId", it.spanId)
            }
            context?.let { put("context", boundAttributes(it)) }
            error?.let {
                val described = describeError(it)
                put(
                    "error",
                    buildJsonObject {
                        put("type", clip(described.type, 256))
                        put("message", clip(described.message, MAX_MESSAGE_LENGTH))
                        described.stack?.let { stack -> put("stack", clip(stack, MAX_STACK_LENGTH)) }
                    },
                )
            }
        }
        return TelemetryItem("log", json.primitive("id")!!, json)
    }

    private fun startSpan(name: String, kind: SpanKind, parent: SpanContext?, attributes: Attributes): RecordingSpan {
        val session = collectingSession()
        return RecordingSpan(
            name = name,
            context = SpanContext(parent?.traceId ?: randomHexId(random, 16), randomHexId(random, 8)),
            parentSpanId = parent?.spanId,
            recording = session?.capture?.traces == true,
            startMs = clock.nowMs(),
            kind = kind,
            clock = clock,
            attributes = attributes,
        )
    }

    private fun endSpan(span: RecordingSpan, error: Throwable?) {
        val failed = error != null && error !is CancellationException
        if (error != null && failed) {
            span.recordException(error)
            captureError(error, mapOf("span" to span.name), LogLevel.ERROR, span.context)
        }
        val item = span.end(clock.nowMs(), failed) ?: return
        val session = collectingSession()
        if (span.recording && session?.capture?.traces == true) transport.enqueue(item, urgent = failed)
    }

    private fun install() {
        if (options.captureUncaught) {
            val previous = Thread.getDefaultUncaughtExceptionHandler()
            val handler = Thread.UncaughtExceptionHandler { thread, error ->
                try {
                    onUncaught(thread, error)
                } finally {
                    // Chain: the app's (or the platform's) handler still runs, so a crash stays a crash.
                    previous?.uncaughtException(thread, error)
                }
            }
            Thread.setDefaultUncaughtExceptionHandler(handler)
            synchronized(lock) {
                uninstallers += { if (Thread.getDefaultUncaughtExceptionHandler() === handler) Thread.setDefaultUncaughtExceptionHandler(previous) }
            }
        }
        options.lifecycle?.let { lifecycle ->
            val observation = lifecycle.observe { event ->
                scope.launch {
                    when (event) {
                        LifecycleEvent.FOREGROUND -> refresh()
                        LifecycleEvent.BACKGROUND -> flush()
                    }
                }
            }
            synchronized(lock) { uninstallers += { observation.cancel() } }
        }
    }

    /**
     * With a session: a fatal log, flushed. Without one: the fatal log goes into the pre-crash buffer, which is frozen,
     * and the crash is reported as a signal, so a crash rule can open a session for this device; the poll after it
     * picks that session up if the process lives on (a worker thread's crash on a desktop JVM), and the frozen minute
     * goes first. Either way the crash is held up for at most [UNCAUGHT_FLUSH_TIMEOUT_MS].
     */
    private fun onUncaught(thread: Thread, error: Throwable) {
        try {
            val collecting = collectingSession() != null
            val reporter = signals?.takeIf { !synchronized(lock) { optedOut } }
            if (!collecting && reporter == null && !keepsPreCrash()) return
            captureError(error, mapOf("uncaught" to true, "thread" to thread.name), LogLevel.FATAL)
            reporter?.countCrash(error)
            if (!collecting) preCrash?.freeze(clock.nowMs())
            // The process is about to die: send now, but never hold the crash up for long.
            runBlocking {
                withTimeoutOrNull(UNCAUGHT_FLUSH_TIMEOUT_MS) {
                    coroutineScope {
                        if (collecting) launch { transport.flush() }
                        if (reporter != null) launch { reporter.send(everything = true) }
                    }
                }
            }
            reporter?.keepUnsent()
            if (collecting) transport.keepUnsent()
            if (!collecting && reporter != null) scope.launch { poller.pollNow() }
        } catch (_: Throwable) {
            // Reporting a crash must never replace the crash.
        }
    }

    private fun deviceContext(): DeviceContext {
        val state = runCatching { options.deviceState.snapshot() }.getOrNull()
        return DeviceContext(
            deviceId = options.identity.deviceId,
            anonymousId = options.identity.anonymousId,
            appSessionId = options.identity.appSessionId,
            platform = options.platform,
            osVersion = options.osVersion,
            appVersion = options.appVersion,
            locale = options.locale,
            memoryMb = state?.memoryMb?.let { Math.round(it).toDouble() },
            connectivity = state?.connectivity,
        )
    }

    private fun publishState() {
        val next = synchronized(lock) {
            val current = session
            val collecting = collectingSession()
            DiagnosticsState(
                started = started,
                optedOut = optedOut,
                sessionId = current?.id,
                collecting = collecting != null,
                paused = current?.paused == true,
                collectionLevel = current?.collectionLevel,
                consent = current?.let {
                    when (consentDecisions[it.id]) {
                        ConsentDecision.GRANTED -> ConsentStatus.GRANTED
                        ConsentDecision.DENIED -> ConsentStatus.DENIED
                        ConsentDecision.ASKING, ConsentDecision.GRANTED_UNRECORDED -> ConsentStatus.PENDING
                        null -> it.consentStatus
                    }
                },
            )
        }
        mutableState.value = next
    }

    private fun reportInternal(error: Exception) {
        try {
            options.onError?.invoke(error)
        } catch (_: Exception) {
            // The app's error hook failing must not fail the SDK.
        }
    }

    private fun newItemId(): String = randomHexId(random, 16)
}
