// The sender: batches items (at most 50, and under the server's 1 MiB body), flushes on an interval, on size,
// on errors and on demand, retries only 408/429/5xx with backoff and Retry-After, and keeps an offline buffer
// bounded by count and by bytes that drops the oldest items first and counts what it dropped. With a crash file
// (`crashDirectory`), what a crash leaves unsent is written there, with its session, for the next start to send.
package dev.remotediagnostics.sdk

import java.io.IOException
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put

internal data class SessionTarget(val sessionId: String, val ingestToken: String)

internal class TransportOptions(
    val baseUrl: String,
    val productKey: String,
    val http: OkHttpClient,
    val clock: SdkClock,
    val timers: SdkTimers,
    val random: SdkRandom,
    val scope: CoroutineScope,
    val device: () -> DeviceContext,
    maxBatchItems: Int,
    val flushIntervalMs: Long,
    val maxBufferedItems: Int,
    val maxBufferedBytes: Long,
    val maxBackoffMs: Long,
    val onError: (Exception) -> Unit,
    /** Where the items a crash leaves unsent wait for the next start, with the session they belong to. */
    val unsentFile: CrashFile? = null,
) {
    val maxBatchItems = maxBatchItems.coerceIn(1, MAX_ITEMS_PER_BATCH)
}

/** Counters of the sender: every item ends sent, dropped (buffer full), rejected, or still buffered. */
data class TransportStats(
    val sentItems: Long,
    /** Items dropped, oldest first, because the offline buffer was full (by count or by bytes). */
    val droppedItems: Long,
    val droppedBytes: Long,
    /** Items the server refused for good (a 4xx other than 408/429): retrying would not help. */
    val rejectedItems: Long,
    /** Batches sent again after a 408, 429, 5xx or a network failure. */
    val retriedBatches: Long,
    val bufferedItems: Int,
    val bufferedBytes: Long,
)

/** The ingest endpoint refuses bodies over 1 MiB; leave room for the envelope and the device context. */
internal const val MAX_BATCH_BYTES = 900 * 1024

/** Items a crash left unsent are sent by a later start only this long after it; older, they are deleted unsent. */
internal const val UNSENT_ITEMS_MAX_AGE_MS = 24 * 60 * 60_000L

internal class Transport(private val options: TransportOptions) {
    private val lock = Any()
    private val queue = ArrayDeque<TelemetryItem>()
    /** The batch being sent: a crash before its answer keeps it with the queue. */
    private var inFlight: List<TelemetryItem> = emptyList()
    private var queuedBytes = 0L
    private var target: SessionTarget? = null
    private val drainMutex = Mutex()
    private var timer: Cancellable? = null
    private var timerDueAt = 0L
    private var failures = 0

    /** No send before this time (epoch ms): set by Retry-After and backoff. */
    private var blockedUntil = 0L
    private val sent = AtomicLong()
    private val dropped = AtomicLong()
    private val droppedBytes = AtomicLong()
    private val rejected = AtomicLong()
    private val retried = AtomicLong()

    /** Items are sent only while there is a target; without one nothing leaves the device. */
    fun setTarget(next: SessionTarget?) = synchronized(lock) {
        val changed = next?.sessionId != target?.sessionId
        target = next
        if (changed) {
            // Items belong to the session they were captured for: never hand them to another one.
            queue.clear()
            queuedBytes = 0
            failures = 0
            blockedUntil = 0
        }
        if (next == null) cancelTimer()
    }

    /** Queues an item for the current target; `urgent` flushes now (errors), otherwise size or the interval does. */
    fun enqueue(item: TelemetryItem, urgent: Boolean = false) {
        val flushNow = synchronized(lock) {
            if (target == null) return
            queue.addLast(item)
            queuedBytes += item.sizeBytes
            trimToBound()
            val due = urgent || queue.size >= options.maxBatchItems
            if (!due) armTimer(options.flushIntervalMs, backoff = false)
            due
        }
        if (flushNow) options.scope.launch { flush() }
    }

    fun stats(): TransportStats = synchronized(lock) {
        TransportStats(sent.get(), dropped.get(), droppedBytes.get(), rejected.get(), retried.get(), queue.size, queuedBytes)
    }

    /** Sends everything buffered now (unless the server asked to wait); returns when done or blocked. */
    suspend fun flush() {
        // One drain at a time; a flush asked for during one runs after it and takes what was queued meanwhile.
        drainMutex.withLock { drain() }
    }

    /** Drops everything: the user opted out or the client stopped. */
    fun clear() = synchronized(lock) {
        queue.clear()
        queuedBytes = 0
        cancelTimer()
    }

    /** The user opted out: the items a crash left go too. */
    fun forgetWhatACrashLeft() {
        options.unsentFile?.delete()
    }

    /**
     * At a crash while a session collects, after the flush was given its time: the batch still on its way and the
     * queue (the crash's fatal log among them, when it could not be sent) go to the unsent file with the session id and
     * its ingest token, for the next start to send should the crash end the process.
     */
    fun keepUnsent() {
        val file = options.unsentFile ?: return
        val (sessionTarget, items) = synchronized(lock) { target to (inFlight + queue) }
        if (sessionTarget == null || items.isEmpty()) return
        val header = buildJsonObject {
            put("sessionId", sessionTarget.sessionId)
            put("ingestToken", sessionTarget.ingestToken)
            put("savedAt", options.clock.nowMs())
        }
        try {
            file.writeItems(header, items)
        } catch (_: Exception) {
            // The crash goes on whatever happens here; the items stay in memory if the process does.
        }
    }

    /**
     * Sends what an earlier process's crash left to the session it was captured for, under that session's token (the
     * same item ids: a batch that did arrive before the crash is stored once). The file goes once every batch is sent
     * or refused for good (an ended session, an expired token); a batch to retry keeps it for the next start.
     */
    suspend fun sendWhatACrashLeft() {
        val file = options.unsentFile ?: return
        if (!file.file.isFile) return
        val saved = try {
            val (header, items) = file.readItems() ?: return
            val savedAt = header["savedAt"]?.jsonPrimitive?.longOrNull ?: error("no savedAt")
            if (options.clock.nowMs() - savedAt > UNSENT_ITEMS_MAX_AGE_MS) null
            else SessionTarget(header.getValue("sessionId").jsonPrimitive.content, header.getValue("ingestToken").jsonPrimitive.content) to items
        } catch (_: Exception) {
            // Not ours to repair: a file that does not read as written is dropped.
            null
        }
        if (saved != null) {
            for (batch in saved.second.chunked(options.maxBatchItems)) {
                if (send(saved.first, batch) == Outcome.RETRY) return
            }
        }
        file.delete()
    }

    private fun trimToBound() {
        while (queue.size > options.maxBufferedItems || (queuedBytes > options.maxBufferedBytes && queue.size > 1)) {
            val oldest = queue.removeFirst()
            queuedBytes -= oldest.sizeBytes
            dropped.incrementAndGet()
            droppedBytes.addAndGet(oldest.sizeBytes.toLong())
        }
    }

    private suspend fun drain() {
        while (true) {
            val (sessionTarget, batch) = synchronized(lock) {
                val current = target ?: return
                if (queue.isEmpty()) return
                val waitMs = blockedUntil - options.clock.nowMs()
                if (waitMs > 0) {
                    armTimer(waitMs, backoff = true)
                    return
                }
                current to takeBatch().also { inFlight = it }
            }
            val outcome = send(sessionTarget, batch)
            synchronized(lock) {
                inFlight = emptyList()
                if (target?.sessionId != sessionTarget.sessionId) return
                if (outcome == Outcome.RETRY) {
                    // Put them back in front, unchanged: the same ids make the retry idempotent on the server.
                    for (item in batch.asReversed()) queue.addFirst(item)
                    queuedBytes += batch.sumOf { it.sizeBytes.toLong() }
                    trimToBound()
                    retried.incrementAndGet()
                }
            }
        }
    }

    private fun takeBatch(): List<TelemetryItem> {
        val batch = ArrayList<TelemetryItem>(options.maxBatchItems)
        var bytes = 0L
        while (queue.isNotEmpty() && batch.size < options.maxBatchItems) {
            val next = queue.first()
            if (batch.isNotEmpty() && bytes + next.sizeBytes > MAX_BATCH_BYTES) break
            queue.removeFirst()
            queuedBytes -= next.sizeBytes
            bytes += next.sizeBytes
            batch += next
        }
        return batch
    }

    private enum class Outcome { SENT, RETRY, REJECTED }

    private suspend fun send(target: SessionTarget, items: List<TelemetryItem>): Outcome {
        val body = buildString {
            append("{\"sessionId\":").append(kotlinx.serialization.json.JsonPrimitive(target.sessionId))
            append(",\"device\":").append(options.device().toJson())
            append(",\"optedOut\":false,\"items\":[")
            items.forEachIndexed { index, item ->
                if (index > 0) append(',')
                append(item.encoded)
            }
            append("]}")
        }
        val request = Request.Builder()
            .url("${options.baseUrl}/api/diagnostics/ingest")
            .deviceHeaders(options.productKey, target.ingestToken)
            .post(body.toRequestBody(jsonMediaType))
            .build()
        val status: Int
        val retryAfter: String?
        try {
            options.http.newCall(request).await().use { response ->
                status = response.code
                retryAfter = response.header("retry-after")
            }
        } catch (error: IOException) {
            backOff(null)
            options.onError(IOException("ingest failed: ${error.message}", error))
            return Outcome.RETRY
        }
        if (status in 200..299) {
            synchronized(lock) { failures = 0 }
            sent.addAndGet(items.size.toLong())
            return Outcome.SENT
        }
        if (isRetryableStatus(status)) {
            backOff(retryAfterMs(retryAfter, options.clock.nowMs()))
            options.onError(IOException("ingest answered $status; retrying later"))
            return Outcome.RETRY
        }
        rejected.addAndGet(items.size.toLong())
        options.onError(IOException("ingest refused a batch of ${items.size} items with $status"))
        return Outcome.REJECTED
    }

    private fun backOff(retryAfterMs: Long?) = synchronized(lock) {
        failures += 1
        val floor = retryAfterMs ?: 0
        val delay = backoffDelay(failures, baseMs = 1000, capMs = maxOf(options.maxBackoffMs, floor), floorMs = floor, random = options.random)
        blockedUntil = options.clock.nowMs() + delay
    }

    /**
     * One timer at a time (called under the lock). An interval flush keeps whatever timer is armed (a flush
     * re-checks the backoff anyway); a backoff replaces a timer that would fire before the server lets us send.
     */
    private fun armTimer(delayMs: Long, backoff: Boolean) {
        val dueAt = options.clock.nowMs() + delayMs
        if (timer != null && (!backoff || timerDueAt >= dueAt)) return
        cancelTimer()
        timerDueAt = dueAt
        var armed: Cancellable? = null
        armed = options.timers.schedule(delayMs) {
            synchronized(lock) { if (timer === armed) timer = null }
            flush()
        }
        timer = armed
    }

    private fun cancelTimer() {
        timer?.cancel()
        timer = null
    }
}
