// When to try again: the poll and the sender share these rules, so neither ever calls more often than the server allows.
package dev.remotediagnostics.sdk

import java.time.ZonedDateTime
import java.time.format.DateTimeFormatter
import kotlin.math.max
import kotlin.math.min
import kotlin.math.pow
import kotlin.math.roundToLong

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
fun retryAfterMs(header: String?, nowMs: Long): Long? {
    val trimmed = header?.trim().orEmpty()
    if (trimmed.isEmpty()) return null
    if (trimmed.all { it.isDigit() }) return trimmed.toLongOrNull()?.times(1000)
    return try {
        max(0L, ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli() - nowMs)
    } catch (_: Exception) {
        null
    }
}

/** At least `floorMs`, plus up to `spread` of it at random, so a fleet of devices does not poll in step. */
fun jitterUp(floorMs: Long, random: SdkRandom, spread: Double = 0.2): Long = (floorMs * (1 + spread * random.nextDouble())).roundToLong()

/**
 * Exponential backoff after `failures` consecutive failures, with "equal jitter" (half fixed, half random),
 * never below `floorMs` (the server's interval or its Retry-After) and never above `capMs`.
 */
fun backoffDelay(failures: Int, baseMs: Long, capMs: Long, floorMs: Long, random: SdkRandom): Long {
    val exponential = min(capMs.toDouble(), baseMs * 2.0.pow(max(0, failures - 1)))
    val jittered = exponential / 2 + (exponential / 2) * random.nextDouble()
    return max(floorMs.toDouble(), min(capMs.toDouble(), jittered)).roundToLong()
}

/** 408, 429 and 5xx are worth retrying; any other 4xx means the request itself is wrong or no longer allowed. */
fun isRetryableStatus(status: Int): Boolean = status == 429 || status == 408 || status >= 500
