// The retry rules the poll and the sender share.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.ManualRuntime
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.CsvSource

class BackoffTest {
    @Test
    fun `Retry-After is read as seconds or as an HTTP date`() {
        val now = Instant.parse("2026-01-15T10:00:00Z").toEpochMilli()
        assertEquals(120_000L, retryAfterMs("120", now))
        assertEquals(30_000L, retryAfterMs(DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(now + 30_000).atOffset(ZoneOffset.UTC)), now))
        assertEquals(0L, retryAfterMs("Thu, 01 Jan 2026 00:00:00 GMT", now))
        assertNull(retryAfterMs("soon", now))
        assertNull(retryAfterMs(null, now))
    }

    @ParameterizedTest
    @CsvSource("408,true", "429,true", "500,true", "503,true", "400,false", "401,false", "403,false", "404,false", "413,false", "422,false")
    fun `only 408, 429 and 5xx are retried`(status: Int, retryable: Boolean) = assertEquals(retryable, isRetryableStatus(status))

    @Test
    fun `backoff doubles, stays between half and all of the step, and never leaves the floor and cap`() {
        val random = ManualRuntime()
        random.randomValue = 0.0
        assertEquals(listOf(500L, 1_000L, 2_000L, 4_000L, 5_000L), (1..5).map { backoffDelay(it, 1_000, 10_000, 0, random) })
        random.randomValue = 1.0
        assertEquals(listOf(1_000L, 2_000L, 4_000L, 8_000L, 10_000L), (1..5).map { backoffDelay(it, 1_000, 10_000, 0, random) })
        assertEquals(7_000L, backoffDelay(1, 1_000, 10_000, 7_000, random))
    }

    @Test
    fun `jitter only ever adds, at most a fifth`() {
        val random = ManualRuntime()
        random.randomValue = 0.0
        assertEquals(5_000L, jitterUp(5_000, random))
        random.randomValue = 1.0
        assertEquals(6_000L, jitterUp(5_000, random))
    }
}
