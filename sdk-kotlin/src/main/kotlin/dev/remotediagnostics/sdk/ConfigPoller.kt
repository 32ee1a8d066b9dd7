// The config poll: asks the server whether a session targets this device, with ETag/304, Retry-After and
// jittered backoff, and never more often than the server's pollIntervalSeconds.
package dev.remotediagnostics.sdk

import java.io.IOException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.launch
import okhttp3.HttpUrl.Companion.toHttpUrl
import okhttp3.OkHttpClient
import okhttp3.Request

/** Who this device is; the server matches sessions on these (a user id only with a verified user token). */
data class DeviceIdentity(
    val deviceId: String? = null,
    val anonymousId: String? = null,
    val appSessionId: String? = null,
    val userId: String? = null,
) {
    val isEmpty: Boolean get() = deviceId == null && anonymousId == null && appSessionId == null && userId == null
}

enum class PollOutcome { CHANGED, NOT_MODIFIED, RATE_LIMITED, FAILED, TOO_SOON }

internal class ConfigPollerOptions(
    val baseUrl: String,
    val productKey: String,
    val identity: DeviceIdentity,
    val platform: String?,
    val appVersion: String?,
    val userToken: (suspend () -> String?)?,
    val http: OkHttpClient,
    val clock: SdkClock,
    val timers: SdkTimers,
    val random: SdkRandom,
    val scope: CoroutineScope,
    val initialIntervalMs: Long,
    val maxBackoffMs: Long,
    val onConfig: suspend (DeviceConfig) -> Unit,
    /** A 304: the config is what it was (work left over from the last answer, like recording consent, may go on). */
    val onNotModified: () -> Unit,
    val onError: (Exception) -> Unit,
)

internal class ConfigPoller(private val options: ConfigPollerOptions) {
    private val lock = Any()
    private var etag: String? = null
    private var intervalMs = options.initialIntervalMs
    private var failures = 0

    /** The earliest time the server allows the next poll: the last poll plus its interval, or its Retry-After. */
    private var earliestAllowedAt = 0L
    private var timer: Cancellable? = null
    private var running = false
    private var inFlight: Deferred<PollOutcome>? = null

    /** A Retry-After the server gave with its last answer. */
    private var serverFloorMs = 0L

    /** When the next poll is due (epoch ms), for tests and diagnostics. */
    @Volatile
    var nextPollAt: Long? = null
        private set

    /** The server's interval once it has said it. */
    val pollIntervalMs: Long get() = synchronized(lock) { intervalMs }

    /** Polls once now, then keeps polling on the schedule the answers dictate. */
    suspend fun start(): PollOutcome {
        synchronized(lock) { running = true }
        return pollAndSchedule().await()
    }

    /**
     * Polls now if the server's interval (or its Retry-After, or the backoff) has passed since the last poll,
     * e.g. when the app comes to the foreground; otherwise leaves the schedule alone and answers TOO_SOON.
     */
    suspend fun pollNow(): PollOutcome {
        val flight = synchronized(lock) {
            if (!running) return PollOutcome.TOO_SOON
            inFlight ?: run {
                if (nextPollAt != null && options.clock.nowMs() < earliestAllowedAt) return PollOutcome.TOO_SOON
                null
            }
        }
        return (flight ?: pollAndSchedule()).await()
    }

    fun stop() = synchronized(lock) {
        running = false
        timer?.cancel()
        timer = null
        nextPollAt = null
    }

    /** Single flight: a poll never overlaps another one. */
    private fun pollAndSchedule(): Deferred<PollOutcome> {
        val created = CompletableDeferred<PollOutcome>()
        synchronized(lock) {
            inFlight?.let { return it }
            inFlight = created
        }
        val job = options.scope.launch {
            val result = runCatching { pollOnce() }.getOrElse { PollResult(PollOutcome.FAILED, intervalMs) }
            synchronized(lock) {
                inFlight = null
                if (running) schedule(result.delayMs)
            }
            created.complete(result.outcome)
        }
        // A client closed meanwhile cancels the poll: whoever waits for it is answered, not left hanging.
        job.invokeOnCompletion {
            synchronized(lock) { if (inFlight === created) inFlight = null }
            created.complete(PollOutcome.FAILED)
        }
        return created
    }

    private fun schedule(delayMs: Long) {
        timer?.cancel()
        val now = options.clock.nowMs()
        earliestAllowedAt = now + minOf(delayMs, maxOf(intervalMs, serverFloorMs))
        nextPollAt = now + delayMs
        var armed: Cancellable? = null
        armed = options.timers.schedule(delayMs) {
            synchronized(lock) { if (timer === armed) timer = null }
            pollAndSchedule().await()
        }
        timer = armed
    }

    private class PollResult(val outcome: PollOutcome, val delayMs: Long)

    private suspend fun pollOnce(): PollResult {
        val request = try {
            buildRequest()
        } catch (error: Exception) {
            return failed(IOException("config poll could not be built: ${error.message}"), null)
        }
        val status: Int
        val body: String?
        val retryAfter: String?
        val responseEtag: String?
        try {
            options.http.newCall(request).await().use { response ->
                status = response.code
                retryAfter = response.header("retry-after")
                responseEtag = response.header("etag")
                body = if (status == 200) response.body.string() else null
            }
        } catch (error: IOException) {
            return failed(IOException("config poll failed: ${error.message}", error), null)
        }
        val now = options.clock.nowMs()
        if (status == 304) {
            synchronized(lock) { failures = 0 }
            try {
                options.onNotModified()
            } catch (error: Exception) {
                options.onError(error)
            }
            return PollResult(PollOutcome.NOT_MODIFIED, jitterUp(intervalMs, options.random))
        }
        synchronized(lock) { serverFloorMs = 0 }
        if (status == 429) {
            val wait = retryAfterMs(retryAfter, now) ?: intervalMs
            synchronized(lock) { serverFloorMs = wait }
            return PollResult(PollOutcome.RATE_LIMITED, jitterUp(maxOf(wait, intervalMs), options.random, 0.1))
        }
        if (status != 200) {
            val wait = retryAfterMs(retryAfter, now)
            synchronized(lock) { serverFloorMs = wait ?: 0 }
            return failed(IOException("config poll answered $status"), wait)
        }
        val config = try {
            parseDeviceConfig(body.orEmpty())
        } catch (error: WireFormatException) {
            return failed(error, null)
        }
        synchronized(lock) {
            failures = 0
            etag = responseEtag
            intervalMs = config.pollIntervalSeconds * 1000L
        }
        try {
            options.onConfig(config)
        } catch (error: Exception) {
            options.onError(error)
        }
        return PollResult(PollOutcome.CHANGED, jitterUp(intervalMs, options.random))
    }

    private fun failed(error: Exception, retryAfterMs: Long?): PollResult {
        val failureCount = synchronized(lock) { ++failures }
        options.onError(error)
        val floor = maxOf(intervalMs, retryAfterMs ?: 0)
        val delay = backoffDelay(failureCount, baseMs = intervalMs * 2, capMs = maxOf(options.maxBackoffMs, floor), floorMs = floor, random = options.random)
        return PollResult(PollOutcome.FAILED, delay)
    }

    private suspend fun buildRequest(): Request {
        val url = "${options.baseUrl}/api/diagnostics/config".toHttpUrl().newBuilder()
        val identity = options.identity
        listOf(
            "deviceId" to identity.deviceId,
            "anonymousId" to identity.anonymousId,
            "appSessionId" to identity.appSessionId,
            "userId" to identity.userId,
            "platform" to options.platform,
            "appVersion" to options.appVersion,
        ).forEach { (name, value) -> if (!value.isNullOrEmpty()) url.addQueryParameter(name, value) }
        val builder = Request.Builder().url(url.build()).get()
            .header("x-diagnostics-key", options.productKey)
            .header("accept", "application/json")
        synchronized(lock) { etag }?.let { builder.header("if-none-match", it) }
        options.userToken?.invoke()?.takeIf { it.isNotEmpty() }?.let { builder.header("authorization", "Bearer $it") }
        return builder.build()
    }
}
