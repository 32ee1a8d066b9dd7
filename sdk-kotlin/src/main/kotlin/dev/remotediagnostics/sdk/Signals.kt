// Signals without a session: crashes are reported at once to POST /api/diagnostics/signals (a crash trigger rule
// may open a session for this device) and, with an interval, errors by fingerprint and requests, 5xx answers and
// latency by route template are counted per minute and sent on it. Never a message or a URL: the fingerprint and
// the route template follow the TypeScript SDK exactly (sdk/src/signals.ts; both are checked against
// sdk-contract/fixtures/error-fingerprints.json and route-templates.json), so a rule scoped to one matches both.
package dev.remotediagnostics.sdk

import java.io.IOException
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.util.TreeMap
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import okhttp3.HttpUrl
import okhttp3.HttpUrl.Companion.toHttpUrl
import okhttp3.HttpUrl.Companion.toHttpUrlOrNull
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

/** Signals without a session (need a `deviceId`). */
data class SignalOptions(
    /** Report an uncaught exception as a crash at once: on by default. */
    val crashReports: Boolean = true,
    /**
     * Count errors by fingerprint and requests, 5xx answers and latency by route template per minute, and send the
     * finished minutes this often. Off (null) by default; needs [crashReports], as the TypeScript SDK's `intervalInMs`.
     */
    val intervalMs: Long? = null,
) {
    init {
        require(intervalMs == null || intervalMs > 0) { "signals.intervalMs must be positive" }
    }
}

private const val MINUTE_MS = 60_000L
// The TypeScript SDK's bounds (sdk/src/signals.ts) and the server's (shared/domain/signals/intake.ts).
private const val MAX_KEYS_PER_MINUTE = 100
private const val MAX_ROUTES_PER_MINUTE = 50
private const val MAX_DURATIONS_PER_ROUTE = 2_000
private const val MAX_COUNTERS_PER_BATCH = 200
private const val MAX_LATENCIES_PER_BATCH = 50
private const val MAX_COUNT = 1_000_000
private const val MAX_DURATION_MS = 3_600_000L
private const val MAX_ROUTE_LENGTH = 128
/** Minutes kept while the server cannot be reached; older ones go first (the server refuses them after 24 h anyway). */
private const val MAX_MINUTES_KEPT = 60

/** An Idempotency-Key as [takeBatch] makes them. */
private val unsentKey = Regex("[0-9a-f]{1,64}")

private val minuteFormat: DateTimeFormatter = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC)

/** A frame's line and column at its very end (JavaScript's `$`, hence `\z`: Java's `$` also matches before a final line break). */
private val lineAndColumn = Regex(":\\d+(:\\d+)?\\)?\\z")

/** A query from the first `?` to the end, where JavaScript's `.` stops at its four line terminators. */
private val query = Regex("\\?[^\\n\\r\\u2028\\u2029]*\\z")

/** FNV-1a, 32 bits, over UTF-16 code units as JavaScript's `charCodeAt` sees them. */
private fun fnv1a(text: String): String {
    var hash = 0x811c9dc5.toInt()
    for (unit in text) {
        hash = hash xor unit.code
        hash *= 0x01000193
    }
    return Integer.toUnsignedString(hash, 16).padStart(8, '0')
}

/** The error's type and its first stack frame without line and column numbers: the same bug, the same fingerprint. */
fun errorFingerprint(type: String, stack: String?): String {
    val frame = (stack ?: "").split('\n').map { it.trim() }.firstOrNull { it.startsWith("at ") || it.contains('@') } ?: ""
    val place = query.replaceFirst(lineAndColumn.replaceFirst(frame, ""), "")
    return "fp-${fnv1a("$type|$place")}"
}

/** The fingerprint a throwable is counted under: the type and stack the SDK records for it. */
fun errorFingerprint(error: Throwable): String = describeError(error).let { errorFingerprint(it.type, it.stack) }

/** Digits (two or more), a UUID, 16+ hex digits or anything with an `@`: ids and emails, never part of a route. */
private val identifierSegment = Regex(
    "^(\\d{2,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[^/]*@[^/]*)\\z",
    RegexOption.IGNORE_CASE,
)
private val unsafeRouteCharacter = Regex("[^\\w\\-.~:]")
private val relativeBase = "http://relative.invalid/".toHttpUrl()

/** A URL's path with identifiers replaced by `{id}`; the host, query and fragment dropped. */
fun routeTemplate(url: HttpUrl): String {
    val template = url.encodedPath.split('/').joinToString("/") { segment ->
        if (identifierSegment.matches(percentDecoded(segment) ?: segment)) "{id}" else unsafeRouteCharacter.replace(segment, "")
    }
    return (if (template.startsWith("/")) template else "/$template").take(MAX_ROUTE_LENGTH)
}

/** The same for a URL as text, absolute or relative; `/unknown` when it is no URL. */
fun routeTemplate(url: String): String = (url.toHttpUrlOrNull() ?: relativeBase.resolve(url))?.let { routeTemplate(it) } ?: "/unknown"

/** JavaScript's `decodeURIComponent` (no `+` to space); null where it would throw (a broken escape or UTF-8). */
private fun percentDecoded(segment: String): String? {
    if ('%' !in segment) return segment
    val bytes = java.io.ByteArrayOutputStream()
    var index = 0
    while (index < segment.length) {
        val char = segment[index]
        if (char == '%') {
            val escape = segment.substring(index + 1, minOf(segment.length, index + 3))
            if (escape.length != 2 || !escape.all { it in '0'..'9' || it in 'a'..'f' || it in 'A'..'F' }) return null
            bytes.write(escape.toInt(16))
            index += 3
        } else {
            bytes.write(char.toString().toByteArray(Charsets.UTF_8))
            index += 1
        }
    }
    return try {
        Charsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes.toByteArray())).toString()
    } catch (_: CharacterCodingException) {
        null
    }
}

/** The rank-based quantile the TypeScript SDK takes: the value at floor(q * n) of the sorted durations. */
private fun quantile(sorted: LongArray, q: Double): Long = if (sorted.isEmpty()) 0 else sorted[minOf(sorted.size - 1, (q * sorted.size).toInt())]

internal class SignalReporterOptions(
    val baseUrl: String,
    val productKey: String,
    val deviceId: String,
    val appVersion: String?,
    /** Null: only crashes are counted, and sent at once. */
    val intervalMs: Long?,
    /** The SDK's own client: its calls never pass through the app's network capture. */
    val http: OkHttpClient,
    val clock: SdkClock,
    val timers: SdkTimers,
    val random: SdkRandom,
    /** Where batches still unsent at a crash wait for the next start; null keeps them in memory only. */
    val unsentFile: CrashFile?,
    val onError: (Exception) -> Unit,
)

/**
 * Counts per minute (crashes and errors by fingerprint, requests and 5xx answers by route, durations by route) and
 * sends the finished minutes. A batch the server did not confirm (429, 408, 5xx, no network) is kept and sent again
 * as it was, under the same Idempotency-Key, so a lost answer never counts a minute twice. With an unsent file
 * ([SignalReporterOptions.unsentFile]), what a crash could not send is written there and sent by the next process.
 */
internal class SignalReporter(private val options: SignalReporterOptions) {
    private class Counter(val series: String, val fingerprint: String?, val route: String?, var count: Int)

    private class MinuteBucket {
        val counters = LinkedHashMap<String, Counter>()
        val durations = LinkedHashMap<String, MutableList<Long>>()
    }

    private val lock = Any()
    private val minutes = TreeMap<Long, MinuteBucket>()
    /** Batches taken but not confirmed, oldest first, each a body and its Idempotency-Key. */
    private val pending = ArrayDeque<Pair<String, String>>()
    /** Whether the unsent file holds batches (written at a crash, or read back at the start). */
    private var fileHolds = false
    private var timer: Cancellable? = null
    private var running = false

    /** Errors and requests are counted only when sent on an interval; a crash alone is always counted. */
    val countsRoutine: Boolean get() = options.intervalMs != null

    /** Sends the finished minutes every `intervalMs` (when set) until [stop]. */
    fun start() {
        synchronized(lock) { running = true }
        schedule()
    }

    fun stop() {
        synchronized(lock) {
            running = false
            timer?.cancel()
            timer = null
        }
    }

    /** Drops every count and the unconfirmed batches, the file's too (the user opted out). */
    fun clear() {
        synchronized(lock) {
            minutes.clear()
            pending.clear()
            fileHolds = false
        }
        options.unsentFile?.delete()
    }

    /**
     * At a crash, after its report was tried: every batch still to send (the unconfirmed ones, then every minute
     * counted, the running one too) goes to the unsent file, for the next start to send if the crash ends the process.
     */
    fun keepUnsent() {
        val file = options.unsentFile ?: return
        val batches = synchronized(lock) {
            while (true) pending.addLast(takeBatch(everything = true) ?: break)
            pending.toList().also { fileHolds = it.isNotEmpty() }
        }
        try {
            if (batches.isEmpty()) file.delete() else file.write(batches.map { (body, key) -> "$key $body" })
        } catch (_: Exception) {
            // The crash goes on whatever happens here; the batches stay in memory if the process does.
        }
    }

    /** Takes back the batches an earlier process could not send at its crash; true when there are any to send. */
    fun restoreUnsent(): Boolean {
        val file = options.unsentFile ?: return false
        val batches = try {
            file.readLines()?.filter { it.isNotBlank() }?.map { line ->
                val key = line.substringBefore(' ')
                val body = line.substringAfter(' ', "")
                require(unsentKey.matches(key) && wireJson.parseToJsonElement(body) is JsonObject)
                body to key
            }
        } catch (_: Exception) {
            // A file that does not read as written is dropped: a report lost, never a wrong one sent.
            file.delete()
            null
        } ?: return false
        synchronized(lock) {
            batches.forEach { pending.addLast(it) }
            fileHolds = true
        }
        return batches.isNotEmpty()
    }

    fun countCrash(error: Throwable) = count("crashes", fingerprint = errorFingerprint(error), route = null, atMs = options.clock.nowMs())

    fun countError(error: Throwable) {
        if (countsRoutine) count("errors", fingerprint = errorFingerprint(error), route = null, atMs = options.clock.nowMs())
    }

    /** One observed request, counted in the minute it started; `status` null when it failed without an answer. */
    fun countRequest(route: String, status: Int?, durationMs: Long, startedAtMs: Long) {
        if (!countsRoutine) return
        count("requests", fingerprint = null, route = route, atMs = startedAtMs)
        if (status != null && status >= 500) count("http_5xx", fingerprint = null, route = route, atMs = startedAtMs)
        synchronized(lock) {
            val durations = bucket(startedAtMs).durations
            val list = durations[route] ?: if (durations.size < MAX_ROUTES_PER_MINUTE) ArrayList<Long>().also { durations[route] = it } else return
            if (list.size < MAX_DURATIONS_PER_ROUTE) list += durationMs.coerceIn(0, MAX_DURATION_MS)
        }
    }

    private fun count(series: String, fingerprint: String?, route: String?, atMs: Long) = synchronized(lock) {
        val counters = bucket(atMs).counters
        val key = "$series|${fingerprint.orEmpty()}|${route.orEmpty()}"
        val known = counters[key]
        when {
            known != null -> known.count = minOf(MAX_COUNT, known.count + 1)
            counters.size < MAX_KEYS_PER_MINUTE -> counters[key] = Counter(series, fingerprint, route, 1)
        }
    }

    private fun bucket(atMs: Long): MinuteBucket {
        val minute = Math.floorDiv(atMs, MINUTE_MS) * MINUTE_MS
        minutes[minute]?.let { return it }
        val bucket = MinuteBucket()
        minutes[minute] = bucket
        while (minutes.size > MAX_MINUTES_KEPT) minutes.pollFirstEntry()
        return bucket
    }

    /**
     * Sends the unconfirmed batch first, then the finished minutes (`everything`: the running one too, at a crash or
     * on close); true once nothing is left to send, false when a batch stays for the next try.
     */
    suspend fun send(everything: Boolean): Boolean {
        while (true) {
            val (body, key) = synchronized(lock) { pending.firstOrNull() ?: takeBatch(everything)?.also { pending.addLast(it) } } ?: break
            val status = try {
                post(body, key)
            } catch (error: IOException) {
                options.onError(IOException("signals not sent: ${error.message}", error))
                return false
            }
            if (status == 429 || status == 408 || status >= 500) {
                options.onError(IOException("signals not sent: answered $status"))
                return false
            }
            // A refusal (a bad key, a batch the server will never take) is dropped rather than sent forever.
            synchronized(lock) { if (pending.firstOrNull()?.second == key) pending.removeFirst() }
            if (status >= 400) options.onError(IOException("signals refused ($status)"))
        }
        // Everything went: what the file held went with it.
        if (synchronized(lock) { fileHolds.also { fileHolds = false } }) options.unsentFile?.delete()
        return true
    }

    private fun schedule() {
        val interval = options.intervalMs ?: return
        synchronized(lock) {
            if (!running) return
            timer = options.timers.schedule(interval) {
                send(everything = false)
                schedule()
            }
        }
    }

    /** The oldest finished minutes that fit the server's batch limits, as a body and a fresh key; null when none. */
    private fun takeBatch(everything: Boolean): Pair<String, String>? {
        val current = Math.floorDiv(options.clock.nowMs(), MINUTE_MS) * MINUTE_MS
        val counters = ArrayList<JsonObject>()
        val latency = ArrayList<JsonObject>()
        val iterator = minutes.entries.iterator()
        while (iterator.hasNext()) {
            val (minute, bucket) = iterator.next()
            if (minute >= current && !everything) break
            if (counters.size + bucket.counters.size > MAX_COUNTERS_PER_BATCH || latency.size + bucket.durations.size > MAX_LATENCIES_PER_BATCH) break
            iterator.remove()
            val at = minuteFormat.format(Instant.ofEpochMilli(minute))
            bucket.counters.values.forEach { counter ->
                counters += buildJsonObject {
                    put("minute", at)
                    put("series", counter.series)
                    put("count", counter.count)
                    counter.fingerprint?.let { put("fingerprint", it) }
                    counter.route?.let { put("route", it) }
                }
            }
            bucket.durations.forEach { (route, durations) ->
                val sorted = durations.toLongArray().also { it.sort() }
                latency += buildJsonObject {
                    put("minute", at)
                    put("route", route)
                    put("count", sorted.size)
                    put("p50", quantile(sorted, 0.5))
                    put("p95", quantile(sorted, 0.95))
                    put("p99", quantile(sorted, 0.99))
                    put("sumMs", sorted.sum())
                }
            }
        }
        if (counters.isEmpty() && latency.isEmpty()) return null
        val batch = buildJsonObject {
            put("deviceId", options.deviceId)
            options.appVersion?.let { put("appVersion", it) }
            put("counters", buildJsonArray { counters.forEach { add(it) } })
            put("latency", buildJsonArray { latency.forEach { add(it) } })
        }
        return batch.toString() to randomHexId(options.random, 16)
    }

    private suspend fun post(body: String, key: String): Int = options.http.newCall(
        Request.Builder().url("${options.baseUrl}/api/diagnostics/signals")
            .header("x-diagnostics-key", options.productKey)
            .header("idempotency-key", key)
            .post(body.toRequestBody(jsonMediaType)).build(),
    ).await().use { it.code }
}
