// Signals without a session: a crash is counted under its error's fingerprint and reported at once to
// POST /api/diagnostics/signals, where a crash trigger rule may open a session for this device. Never a message:
// the fingerprint hashes the error's type and top frame exactly as the TypeScript SDK does (sdk/src/signals.ts;
// both are checked against sdk-contract/fixtures/error-fingerprints.json), so a rule scoped to one matches both.
package dev.remotediagnostics.sdk

import java.io.IOException
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody

/** Crash reports without a session (needs a `deviceId`): on by default. */
data class SignalOptions(val crashReports: Boolean = true)

private const val MINUTE_MS = 60_000L
private const val MAX_KEYS_PER_MINUTE = 100
private const val MAX_COUNTERS_PER_BATCH = 200

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

internal class SignalReporterOptions(
    val baseUrl: String,
    val productKey: String,
    val deviceId: String,
    val appVersion: String?,
    /** The SDK's own client: its calls never pass through the app's network capture. */
    val http: OkHttpClient,
    val clock: SdkClock,
    val random: SdkRandom,
    val onError: (Exception) -> Unit,
)

/**
 * Counts crashes per minute and fingerprint and sends them. A batch the server did not confirm (429, 5xx, no
 * network) is kept and sent again as it was, under the same Idempotency-Key, so a lost answer never counts a crash twice.
 */
internal class SignalReporter(private val options: SignalReporterOptions) {
    private class Counter(val minute: Long, val fingerprint: String, var count: Int)

    private val lock = Any()
    private val counters = LinkedHashMap<String, Counter>()
    private var unsent: Pair<String, String>? = null

    fun countCrash(error: Throwable) {
        val fingerprint = errorFingerprint(error)
        val minute = Math.floorDiv(options.clock.nowMs(), MINUTE_MS) * MINUTE_MS
        synchronized(lock) {
            val known = counters["$minute|$fingerprint"]
            when {
                known != null -> known.count += 1
                counters.values.count { it.minute == minute } < MAX_KEYS_PER_MINUTE -> counters["$minute|$fingerprint"] = Counter(minute, fingerprint, 1)
            }
        }
    }

    /** Sends the unconfirmed batch first, then what was counted since; true once nothing is left to send. */
    suspend fun send(): Boolean {
        while (true) {
            val (body, key) = synchronized(lock) { unsent ?: takeBatch()?.also { unsent = it } } ?: return true
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
            synchronized(lock) { unsent = null }
            if (status >= 400) options.onError(IOException("signals refused ($status)"))
        }
    }

    private fun takeBatch(): Pair<String, String>? {
        if (counters.isEmpty()) return null
        val taken = counters.values.take(MAX_COUNTERS_PER_BATCH)
        taken.forEach { counters.remove("${it.minute}|${it.fingerprint}") }
        val batch = buildJsonObject {
            put("deviceId", options.deviceId)
            options.appVersion?.let { put("appVersion", it) }
            put(
                "counters",
                buildJsonArray {
                    taken.forEach { counter ->
                        add(
                            buildJsonObject {
                                put("minute", minuteFormat.format(Instant.ofEpochMilli(counter.minute)))
                                put("series", "crashes")
                                put("count", counter.count)
                                put("fingerprint", counter.fingerprint)
                            },
                        )
                    }
                },
            )
            put("latency", JsonArray(emptyList()))
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
