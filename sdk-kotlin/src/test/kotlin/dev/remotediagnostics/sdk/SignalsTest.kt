// Per-minute signals without a session, against a scripted server on a manual clock: what a finished minute's batch
// holds (errors by fingerprint, requests, 5xx and latency by route template, never a URL), that it goes on the
// interval and on close, again under the same Idempotency-Key after a retryable failure, and the memory bounds.
package dev.remotediagnostics.sdk

import dev.remotediagnostics.sdk.support.ManualRuntime
import dev.remotediagnostics.sdk.support.PRODUCT_KEY
import dev.remotediagnostics.sdk.support.ScriptedServer
import dev.remotediagnostics.sdk.support.TestClient
import dev.remotediagnostics.sdk.support.testClient
import java.time.Instant
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import mockwebserver3.Dispatcher
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import mockwebserver3.RecordedRequest
import okhttp3.OkHttpClient
import okhttp3.Request
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Test

class SignalsTest {
    private val server = ScriptedServer()
    private val start = Instant.parse("2026-12-06T04:00:10Z").toEpochMilli()
    private val runtime = ManualRuntime(start)

    /** The app's upstream: answers the status it is asked for after moving the manual clock by the delay asked for. */
    private val upstream = MockWebServer().apply {
        dispatcher = object : Dispatcher() {
            override fun dispatch(request: RecordedRequest): MockResponse {
                request.headers["x-delay-ms"]?.toLong()?.let { runBlocking { runtime.advance(it) } }
                return MockResponse.Builder().code(request.headers["x-status"]?.toInt() ?: 200).body("{}").build()
            }
        }
        start()
    }

    @AfterEach
    fun close() {
        server.close()
        upstream.close()
    }

    private fun signalsClient(intervalMs: Long? = 60_000): TestClient =
        testClient(server, runtime) { it.copy(signals = SignalOptions(intervalMs = intervalMs)) }

    private fun TestClient.call(path: String, delayMs: Long = 0, status: Int = 200) {
        val app = OkHttpClient.Builder().addInterceptor(client.okHttpInterceptor()).build()
        val request = Request.Builder().url(upstream.url(path)).header("x-delay-ms", "$delayMs").header("x-status", "$status").build()
        app.newCall(request).execute().use { assertEquals(status, it.code) }
    }

    /** Thrown from one line, so every one of them has the same fingerprint. */
    private fun checkoutFailure(message: String) = IllegalStateException(message)

    private fun JsonObject.text(name: String) = this[name]?.jsonPrimitive?.content

    private fun JsonObject.entries(name: String) = (this[name] as JsonArray).map { it as JsonObject }

    /** Counters as "series key count", the key being the fingerprint or the route. */
    private fun JsonObject.counterLines() = entries("counters").map { "${it.text("series")} ${it.text("fingerprint") ?: it.text("route")} ${it.text("count")}" }.toSet()

    @Test
    fun `a finished minute goes on the interval with errors by fingerprint and requests, 5xx and latency by route`() = runBlocking {
        val test = signalsClient()
        test.client.start()
        test.call("/users/123/orders?token=secret", delayMs = 100)
        test.call("/users/456/orders", delayMs = 300, status = 503)
        test.call("/users/789/orders", delayMs = 200)
        test.call("/health")
        val first = checkoutFailure("order 1 failed")
        test.client.captureError(first)
        test.client.captureError(first)
        test.client.captureError(checkoutFailure("order 2 failed"))
        assertEquals(emptyList<Any>(), server.signalBatches(), "nothing goes before the minute is over")

        runtime.advance(60_000)
        val (key, batch) = server.signalBatches().single()
        assertEquals(32, key!!.length)
        assertEquals("device-1", batch.text("deviceId"))
        assertEquals("2.7.0", batch.text("appVersion"))
        val fingerprint = errorFingerprint(first)
        assertEquals(
            setOf("errors $fingerprint 2", "requests /users/{id}/orders 3", "http_5xx /users/{id}/orders 1", "requests /health 1"),
            batch.counterLines(),
        )
        assertEquals(setOf("2026-12-06T04:00:00.000Z"), (batch.entries("counters") + batch.entries("latency")).map { it.text("minute") }.toSet())
        val latency = batch.entries("latency").associateBy { it.text("route") }
        assertEquals(listOf("3", "200", "300", "300", "600"), listOf("count", "p50", "p95", "p99", "sumMs").map { latency["/users/{id}/orders"]!!.text(it) })
        assertEquals(listOf("1", "0", "0", "0", "0"), listOf("count", "p50", "p95", "p99", "sumMs").map { latency["/health"]!!.text(it) })
        assertFalse(batch.toString().contains("123") || batch.toString().contains("secret") || batch.toString().contains("order 1"), "no id, query or message: $batch")

        // A quiet minute sends nothing.
        runtime.advance(60_000)
        assertEquals(1, server.signalBatches().size)
        test.client.close()
    }

    @Test
    fun `a batch the server did not confirm goes again as it was, under the same key`() = runBlocking {
        server.signalsStatus(503)
        val test = signalsClient()
        test.client.start()
        test.client.captureError(checkoutFailure("first"))
        runtime.advance(60_000)
        test.client.captureError(checkoutFailure("second"))
        runtime.advance(60_000)
        runtime.advance(60_000)
        val sent = server.signalBatches()
        assertEquals(3, sent.size)
        assertEquals(sent[0], sent[1], "the unconfirmed batch goes again as it was, under its key")
        assertNotEquals(sent[0].first, sent[2].first, "the next minute gets a key of its own")
        assertEquals(listOf("2026-12-06T04:00:00.000Z", "2026-12-06T04:01:00.000Z"), sent.drop(1).map { it.second.entries("counters").single().text("minute") })
        assertEquals(listOf("signals not sent: answered 503"), test.errors.map { it.message })
        test.client.close()
    }

    @Test
    fun `close sends the running minute, and without an interval nothing but crashes is counted`() = runBlocking {
        val counting = signalsClient()
        counting.client.start()
        counting.call("/orders/42")
        counting.client.close()
        assertEquals(setOf("requests /orders/{id} 1"), server.signalBatches().single().second.counterLines())

        val crashesOnly = signalsClient(intervalMs = null)
        crashesOnly.client.start()
        crashesOnly.call("/orders/42")
        crashesOnly.client.captureError(checkoutFailure("not counted"))
        runtime.advance(120_000)
        crashesOnly.client.close()
        assertEquals(1, server.signalBatches().size)
    }

    @Test
    fun `opting out drops what was counted and counts nothing more`() = runBlocking {
        val test = signalsClient()
        test.client.start()
        test.call("/orders/42")
        test.client.captureError(checkoutFailure("before"))
        test.client.setOptedOut(true)
        test.call("/orders/43")
        test.client.captureError(checkoutFailure("while opted out"))
        runtime.advance(60_000)
        test.client.setOptedOut(false)
        test.call("/carts/7")
        test.client.close()
        assertEquals(setOf("requests /carts/7 1"), server.signalBatches().single().second.counterLines())
    }

    @Test
    fun `a minute keeps at most 100 series and 50 latency routes, and at most 60 minutes wait`() = runBlocking {
        val reporter = SignalReporter(
            SignalReporterOptions(server.url, PRODUCT_KEY, "device-1", null, 60_000, OkHttpClient(), runtime, runtime, runtime, null) { throw it },
        )
        repeat(150) { index -> reporter.countRequest("/routes/r$index", 200, index.toLong(), runtime.nowMs()) }
        assertEquals(true, reporter.send(everything = true))
        val crowded = server.signalBatches().single().second
        assertEquals((0 until 100).map { "requests /routes/r$it 1" }.toSet(), crowded.counterLines(), "the first 100 series are kept")
        assertEquals((0 until 50).map { "/routes/r$it" }, crowded.entries("latency").map { it.text("route") })

        // Offline for 70 minutes: the oldest 10 are dropped, the 60 kept fit one batch.
        repeat(70) {
            reporter.countCrash(checkoutFailure("crash"))
            runtime.advance(60_000)
        }
        assertEquals(true, reporter.send(everything = false))
        val minutes = server.signalBatches().drop(1).single().second.entries("counters").map { Instant.parse(it.text("minute")).toEpochMilli() }
        val firstKept = Math.floorDiv(start, 60_000L) * 60_000 + 10 * 60_000
        assertEquals((0 until 60).map { firstKept + it * 60_000L }, minutes)
    }
}
